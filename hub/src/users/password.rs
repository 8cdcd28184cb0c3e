//! Passwords: Argon2id (the `argon2` crate's defaults: 19 MiB, 2 passes, 1 lane; version
//! 0x13) with a random 16-byte salt, stored as a PHC string (`$argon2id$v=19$…`), which carries
//! its own parameters, so stronger defaults later still verify older hashes. One computation at
//! a time in the process, in one reused working memory. Passwords are NFC
//! before hashing: a browser and a terminal may send the same Vietnamese letters composed
//! differently.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{Output, ParamsString, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, PasswordHash, Version};
use std::sync::{Mutex, OnceLock};

/// Shortest password accepted (characters).
pub const MIN_LEN: usize = 10;
/// Longest password accepted (bytes): anything longer is not a password a person types.
pub const MAX_BYTES: usize = 1024;

/// Whether `password` may be set for user `name`; the Vietnamese reason otherwise.
pub fn check_strength(name: &str, password: &str) -> Result<(), String> {
    let p = doimoi_shared::text::nfc(password);
    let chars = p.chars().count();
    if chars < MIN_LEN {
        return Err(format!(
            "mật khẩu quá ngắn ({chars} ký tự): cần ít nhất {MIN_LEN} ký tự; nên dùng một câu dễ nhớ nhiều chữ"
        ));
    }
    if p.len() > MAX_BYTES {
        return Err(format!("mật khẩu quá dài: tối đa {MAX_BYTES} byte"));
    }
    if p.chars().any(char::is_control) {
        return Err("mật khẩu không được chứa ký tự điều khiển".into());
    }
    let distinct: std::collections::HashSet<char> = p.chars().collect();
    if distinct.len() < 4 {
        return Err("mật khẩu quá dễ đoán (ít hơn 4 ký tự khác nhau)".into());
    }
    if p.to_lowercase().contains(&name.to_lowercase()) {
        return Err("mật khẩu không được chứa tên đăng nhập".into());
    }
    Ok(())
}

/// Argon2's working memory (`m_cost` KiB: 19 MiB by default), kept and reused by every check
/// in the process, one at a time. Allocating it for each check leaves freed 19 MiB chunks held
/// by the allocator's per-thread arenas: a busy process grew by hundreds of MB.
static MEMORY: Mutex<Vec<Block>> = Mutex::new(Vec::new());

/// The largest working memory a stored hash may ask for (256 MiB).
const MAX_BLOCKS: usize = 256 * 1024;

/// Argon2 of `password` and `salt` into `out`, with [`MEMORY`].
fn compute(
    algorithm: Algorithm,
    version: Version,
    params: Params,
    password: &str,
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), String> {
    let need = params.block_count();
    if need > MAX_BLOCKS {
        return Err(format!("tham số Argon2 đòi quá nhiều bộ nhớ ({need} KiB)"));
    }
    let argon = Argon2::new(algorithm, version, params);
    let mut memory = MEMORY.lock().unwrap_or_else(|p| p.into_inner());
    if memory.len() < need {
        memory.resize(need, Block::default());
    }
    let blocks = memory.get_mut(..need).ok_or("bộ nhớ Argon2 không đủ")?;
    argon
        .hash_password_into_with_memory(
            doimoi_shared::text::nfc(password).as_bytes(),
            salt,
            out,
            blocks,
        )
        .map_err(|e| format!("không băm được mật khẩu: {e}"))
}

/// The PHC string of `password` with a fresh random 16-byte salt.
pub fn hash(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    OsRng
        .try_fill_bytes(&mut salt)
        .map_err(|e| format!("không lấy được số ngẫu nhiên của hệ điều hành: {e}"))?;
    let params = Params::default();
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    compute(
        Algorithm::Argon2id,
        Version::V0x13,
        params.clone(),
        password,
        &salt,
        &mut out,
    )?;
    let fail = |e: argon2::password_hash::Error| format!("không lập được chuỗi băm: {e}");
    let salt = SaltString::encode_b64(&salt).map_err(fail)?;
    let phc = PasswordHash {
        algorithm: argon2::ARGON2ID_IDENT,
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(fail)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(fail)?),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the stored PHC string `phc` (`false` for an unreadable one).
/// Slow on purpose (tens of milliseconds): call it on a blocking thread.
pub fn verify(phc: &str, password: &str) -> bool {
    if password.len() > MAX_BYTES {
        return false;
    }
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(version), Ok(params)) = (
        Algorithm::try_from(parsed.algorithm),
        Version::try_from(parsed.version.unwrap_or(0x13)),
        Params::try_from(&parsed),
    ) else {
        return false;
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    if compute(algorithm, version, params, password, salt, &mut out).is_err() {
        return false;
    }
    // `Output`'s equality is constant-time.
    Output::new(&out).is_ok_and(|o| o == expected)
}

/// Spends the time of one verification for a user name that does not exist, so that the
/// answer's timing does not tell which names do.
pub fn verify_nobody(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let phc = DUMMY.get_or_init(|| {
        let mut random = [0u8; 16];
        OsRng.fill_bytes(&mut random);
        hash(&doimoi_shared::ids::hex(&random)).unwrap_or_default()
    });
    let _ = verify(phc, password);
}

/// `n` random bytes from the operating system, as lower-case hex.
pub fn random_hex(n: usize) -> Result<String, String> {
    let mut bytes = vec![0u8; n];
    OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|e| format!("không lấy được số ngẫu nhiên của hệ điều hành: {e}"))?;
    Ok(doimoi_shared::ids::hex(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_is_argon2id_salted_and_verifies_only_its_password() {
        let a = hash("Mật khẩu rất dài 2026").expect("hash");
        let b = hash("Mật khẩu rất dài 2026").expect("hash");
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "a random salt each time");
        assert!(verify(&a, "Mật khẩu rất dài 2026"));
        // The same letters, decomposed (NFD), as some systems type them.
        assert!(verify(
            &a,
            "Ma\u{302}\u{323}t kha\u{302}\u{309}u ra\u{302}\u{301}t da\u{300}i 2026"
        ));
        assert!(!verify(&a, "Mật khẩu rất dài 2025"));
        assert!(!verify("not a hash", "x"));
        // A hash made by the crate's own `PasswordHasher` verifies, and ours verifies there.
        use argon2::{PasswordHasher, PasswordVerifier};
        let theirs = Argon2::default()
            .hash_password(b"Mat khau cua ho 1", &SaltString::generate(&mut OsRng))
            .expect("hash")
            .to_string();
        assert!(verify(&theirs, "Mat khau cua ho 1"));
        let ours = PasswordHash::new(&a).expect("PHC");
        assert!(Argon2::default()
            .verify_password("Mật khẩu rất dài 2026".as_bytes(), &ours)
            .is_ok());
        verify_nobody("anything");
    }

    #[test]
    fn weak_passwords_are_refused_with_the_reason() {
        assert!(check_strength("an", "ngắn").is_err_and(|e| e.contains("ít nhất 10")));
        assert!(check_strength("an", "aaaaaaaaaaaa").is_err_and(|e| e.contains("dễ đoán")));
        assert!(check_strength("nguyen.van.an", "nguyen.van.an123").is_err());
        assert!(check_strength("snv", "Đông Giang 2026").is_ok());
    }
}
