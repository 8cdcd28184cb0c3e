//! TCP proxies between a client and the hub that spoil one answer on purpose: [`CutProxy`]
//! passes on half of each, [`HoldProxy`] keeps one back. Each takes one request per
//! connection, asks the hub to close after answering, and reads the whole answer first.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

/// Serves each connection to a new local port with `handle`, on its own thread.
fn listen(handle: impl Fn(TcpStream) + Send + Sync + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
    let port = listener.local_addr().expect("addr").port();
    let handle = Arc::new(handle);
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(client) = conn else { continue };
            let handle = handle.clone();
            std::thread::spawn(move || handle(client));
        }
    });
    format!("http://127.0.0.1:{port}")
}

/// Reads one request from `client` (headers, then Content-Length bytes) and sends it to the
/// hub; returns the hub's whole answer, or `None` when the client sent nothing.
fn exchange(client: &mut TcpStream, upstream_port: u16) -> std::io::Result<Option<Vec<u8>>> {
    match read_request(client)? {
        Some((req, header_end)) => forward(&req, header_end, upstream_port).map(Some),
        None => Ok(None),
    }
}

/// Reads one request from `client` (headers, then Content-Length bytes): the bytes and where
/// the headers end, or `None` when the client sent nothing.
fn read_request(client: &mut TcpStream) -> std::io::Result<Option<(Vec<u8>, usize)>> {
    client.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut req = Vec::new();
    let mut buf = [0u8; 8192];
    let header_end = loop {
        let n = client.read(&mut buf)?;
        if n == 0 {
            return Ok(None);
        }
        req.extend_from_slice(&buf[..n]);
        if let Some(p) = req.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
    };
    let head = String::from_utf8_lossy(&req[..header_end]).to_ascii_lowercase();
    let len: usize = head
        .lines()
        .find_map(|l| {
            l.strip_prefix("content-length:")
                .and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(0);
    while req.len() < header_end + len {
        let n = client.read(&mut buf)?;
        if n == 0 {
            break;
        }
        req.extend_from_slice(&buf[..n]);
    }
    Ok(Some((req, header_end)))
}

/// Sends a request read by [`read_request`] to the hub; the hub's whole answer.
fn forward(req: &[u8], header_end: usize, upstream_port: u16) -> std::io::Result<Vec<u8>> {
    let mut up = TcpStream::connect(("127.0.0.1", upstream_port))?;
    // Ask the hub to close after answering, so the whole response can be read.
    let req = String::from_utf8_lossy(&req[..header_end])
        .replacen("\r\n\r\n", "\r\nConnection: close\r\n\r\n", 1)
        .into_bytes()
        .into_iter()
        .chain(req[header_end..].iter().copied())
        .collect::<Vec<u8>>();
    up.write_all(&req)?;
    let mut resp = Vec::new();
    up.read_to_end(&mut resp)?;
    Ok(resp)
}

/// A TCP proxy in front of the hub that forwards each request whole but passes on only the
/// first half of each response, then closes the connection.
pub struct CutProxy {
    pub url: String,
}

impl CutProxy {
    pub fn start(upstream_port: u16) -> CutProxy {
        let url = listen(move |mut client| {
            if let Ok(Some(resp)) = exchange(&mut client, upstream_port) {
                let _ = client.write_all(&resp[..resp.len() / 2]);
                let _ = client.flush();
            }
        });
        CutProxy { url }
    }
}

/// A TCP proxy in front of the hub that passes the first `pass` requests through whole, then
/// forwards the next one to the hub but holds its answer back: the client waits for an answer
/// the hub has already given until [`HoldProxy::cut`] closes the connection without it.
/// Requests after that one pass through whole again.
pub struct HoldProxy {
    pub url: String,
    /// Told when the hub has answered the held request.
    held: mpsc::Receiver<()>,
    /// Tells the held connection to close.
    cut: mpsc::Sender<()>,
}

impl HoldProxy {
    pub fn start(upstream_port: u16, pass: usize) -> HoldProxy {
        let (held_tx, held) = mpsc::channel();
        let (cut, cut_rx) = mpsc::channel::<()>();
        let cut_rx = Mutex::new(cut_rx);
        let seen = AtomicUsize::new(0);
        let url = listen(move |mut client| {
            let Ok(Some(resp)) = exchange(&mut client, upstream_port) else {
                return;
            };
            if seen.fetch_add(1, Ordering::SeqCst) == pass {
                let _ = held_tx.send(());
                // Until the test's cue (or the proxy's end); then `client` closes unanswered.
                let _ = cut_rx.lock().map(|rx| rx.recv());
                return;
            }
            let _ = client.write_all(&resp);
            let _ = client.flush();
        });
        HoldProxy { url, held, cut }
    }

    /// Waits until the hub has answered the request held back.
    pub fn wait_held(&self, limit: Duration) {
        self.held
            .recv_timeout(limit)
            .unwrap_or_else(|e| panic!("no request held back within {limit:?}: {e}"));
    }

    /// Closes the held connection without passing the hub's answer on.
    pub fn cut(&self) {
        self.cut.send(()).expect("the held connection is waiting");
    }
}

/// A TCP proxy in front of the hub that passes every request whole except attachment
/// transfers (`/v1/blobs/…`): with `refuse`, each is answered `503` without reaching the hub;
/// without, the answer to the first download is cut after half its body (the connection closes
/// mid-transfer). Everything after passes whole.
pub struct BlobProxy {
    pub url: String,
}

impl BlobProxy {
    pub fn start(upstream_port: u16, refuse: bool) -> BlobProxy {
        let cut_done = std::sync::atomic::AtomicBool::new(false);
        let url = listen(move |mut client| {
            let Ok(Some((req, header_end))) = read_request(&mut client) else {
                return;
            };
            let line = String::from_utf8_lossy(&req[..req.len().min(64)]).to_string();
            let blob = line.contains(" /v1/blobs/");
            if blob && refuse {
                let _ = client.write_all(
                    b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
                return;
            }
            let Ok(resp) = forward(&req, header_end, upstream_port) else {
                return;
            };
            if blob && line.starts_with("GET ") && !cut_done.swap(true, Ordering::SeqCst) {
                let head = resp
                    .windows(4)
                    .position(|w| w == b"\r\n\r\n")
                    .map_or(resp.len(), |p| p + 4);
                let body = resp.len() - head;
                let _ = client.write_all(&resp[..head + body / 2]);
                let _ = client.flush();
                return;
            }
            let _ = client.write_all(&resp);
            let _ = client.flush();
        });
        BlobProxy { url }
    }
}
