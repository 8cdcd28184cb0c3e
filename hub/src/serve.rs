//! The connection loop: HTTP/1.1 (and HTTPS with `tls_cert`/`tls_key`) in front of the router,
//! hardened against clients that hold connections without using them.
//!
//! `axum::serve` keeps a connection as long as its client keeps it open: ~1,100 connections that
//! sent part of their headers and then nothing exhausted the default 1,024 open files, and
//! every office's sync timed out. Here every connection has
//!
//! - a **header read timeout** (`header_timeout_secs`): the request line and headers must arrive
//!   within it, from the connection's start and again for each keep-alive request, so a silent or
//!   trickling client is closed;
//! - a **stall timeout** (`stall_timeout_secs`): a read or write that makes no progress for that
//!   long ends the connection (a client that stops sending its body or stops reading the
//!   answer); the per-request time limit is the router's `TimeoutLayer`;
//! - a **cap per client address** (`max_connections_per_ip`) and a **total cap**
//!   (`max_connections`): beyond them a new connection is closed at once, so one address cannot
//!   take every file descriptor; offices elsewhere keep syncing;
//! - a **TLS handshake timeout** (the header timeout) when serving HTTPS.
//!
//! At start-up the hub raises its own open-file limit to the hard limit ([`raise_nofile`]).

use crate::config::Config;
use crate::state::AppState;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, Sleep};
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::Service;

/// Raises this process's soft limit of open files to its hard limit; returns the new soft
/// limit (or `None` where it cannot be read).
pub fn raise_nofile() -> Option<u64> {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let mut lim = getrlimit(Resource::Nofile);
    if let Some(max) = lim.maximum {
        if lim.current.is_none_or(|c| c < max) {
            lim.current = Some(max);
            if let Err(e) = setrlimit(Resource::Nofile, lim) {
                tracing::warn!(error = %e, "could not raise the open-file limit");
            }
        }
    }
    getrlimit(Resource::Nofile).current
}

/// Loads the HTTPS certificate chain and private key (PEM files).
pub fn tls_acceptor(cert: &Path, key: &Path) -> anyhow::Result<TlsAcceptor> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| {
            anyhow::anyhow!(
                "không đọc được chứng chỉ {} ({e}): cần tệp PEM chứa chứng chỉ của máy chủ (và các chứng chỉ trung gian)",
                cert.display()
            )
        })?
        .collect::<Result<_, _>>()
        .map_err(|e| anyhow::anyhow!("chứng chỉ {} không đúng định dạng PEM: {e}", cert.display()))?;
    if certs.is_empty() {
        anyhow::bail!(
            "tệp {} không có chứng chỉ nào (cần các khối \"-----BEGIN CERTIFICATE-----\")",
            cert.display()
        );
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| {
        anyhow::anyhow!(
            "không đọc được khóa riêng {} ({e}): cần tệp PEM chứa khóa riêng (PKCS#8, PKCS#1 hoặc SEC1) của chứng chỉ",
            key.display()
        )
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| anyhow::anyhow!("cấu hình TLS không hợp lệ: {e}"))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| {
            anyhow::anyhow!("chứng chỉ và khóa riêng không khớp hoặc không hợp lệ: {e}")
        })?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Open connections, by client address.
#[derive(Default)]
struct Conns {
    by_ip: HashMap<IpAddr, usize>,
    total: usize,
}

/// A slot in [`Conns`], given back when the connection ends.
struct Slot {
    conns: Arc<Mutex<Conns>>,
    ip: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut c) = self.conns.lock() {
            c.total = c.total.saturating_sub(1);
            if let Some(n) = c.by_ip.get_mut(&self.ip) {
                *n -= 1;
                if *n == 0 {
                    c.by_ip.remove(&self.ip);
                }
            }
        }
    }
}

fn take_slot(conns: &Arc<Mutex<Conns>>, ip: IpAddr, per_ip: usize, total: usize) -> Option<Slot> {
    let mut c = conns.lock().ok()?;
    let mine = c.by_ip.get(&ip).copied().unwrap_or(0);
    if mine >= per_ip || c.total >= total {
        return None;
    }
    c.total += 1;
    *c.by_ip.entry(ip).or_insert(0) += 1;
    Some(Slot {
        conns: conns.clone(),
        ip,
    })
}

/// Accepts connections on `listener` and serves `app` on each until `shutdown`; in-flight
/// connections are then closed gracefully (tracked by `tracker`).
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    tls: Option<TlsAcceptor>,
    shutdown: CancellationToken,
    tracker: &TaskTracker,
) -> io::Result<()> {
    let app = crate::app(state.clone());
    let config: &Config = &state.0.config;
    let conns: Arc<Mutex<Conns>> = Arc::default();
    let header = Duration::from_secs(config.header_timeout_secs.max(1));
    let stall = Duration::from_secs(config.stall_timeout_secs.max(1));
    let (per_ip, total) = (
        config.max_connections_per_ip.max(1),
        config.max_connections.max(1),
    );
    loop {
        let (stream, peer) = tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(x) => x,
                Err(e) => {
                    // Out of file descriptors or a connection reset before accept: wait a
                    // little instead of spinning, and go on.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Some(slot) = take_slot(&conns, peer.ip(), per_ip, total) else {
            let n = state
                .0
                .metrics
                .connections_refused
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            // Logged at 1, 2, 4, 8… refusals: a flood does not flood the log.
            if (n + 1).is_power_of_two() {
                tracing::warn!(%peer, refused = n + 1, "connection refused: too many open from this address or in total");
            }
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let tls = tls.clone();
        let shutdown = shutdown.clone();
        tracker.spawn(async move {
            let _slot = slot;
            let io = Stalling::new(stream, stall);
            match tls {
                None => connection(io, app, peer, header, shutdown).await,
                Some(acceptor) => match tokio::time::timeout(header, acceptor.accept(io)).await {
                    Ok(Ok(tls)) => connection(tls, app, peer, header, shutdown).await,
                    Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                    Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                },
            }
        });
    }
    Ok(())
}

/// Serves one connection (HTTP/1.1, keep-alive) until it ends or `shutdown`.
async fn connection<S>(
    io: S,
    app: axum::Router,
    peer: SocketAddr,
    header: Duration,
    shutdown: CancellationToken,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(peer));
        app.clone().call(req)
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header)
        .keep_alive(true);
    let conn = builder.serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    tokio::select! {
        r = conn.as_mut() => {
            if let Err(e) = r {
                tracing::debug!(%peer, error = %e, "connection ended");
            }
        }
        _ = shutdown.cancelled() => {
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(Duration::from_secs(30), conn).await;
        }
    }
}

/// A stream whose reads and writes fail with `TimedOut` after `limit` without progress.
struct Stalling {
    inner: TcpStream,
    limit: Duration,
    read: Option<Pin<Box<Sleep>>>,
    write: Option<Pin<Box<Sleep>>>,
}

impl Stalling {
    fn new(inner: TcpStream, limit: Duration) -> Self {
        Stalling {
            inner,
            limit,
            read: None,
            write: None,
        }
    }
}

/// Polls `timer` (armed on the first pending poll): `Err(TimedOut)` once it fires.
fn stalled(
    timer: &mut Option<Pin<Box<Sleep>>>,
    limit: Duration,
    cx: &mut Context<'_>,
) -> io::Result<()> {
    let t = timer.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(Instant::now() + limit)));
    match t.as_mut().poll(cx) {
        Poll::Ready(()) => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "no progress on the connection",
        )),
        Poll::Pending => Ok(()),
    }
}

impl AsyncRead for Stalling {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Pending => match stalled(&mut this.read, this.limit, cx) {
                Ok(()) => Poll::Pending,
                Err(e) => Poll::Ready(Err(e)),
            },
            ready => {
                this.read = None;
                ready
            }
        }
    }
}

impl AsyncWrite for Stalling {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_write(cx, buf) {
            Poll::Pending => match stalled(&mut this.write, this.limit, cx) {
                Ok(()) => Poll::Pending,
                Err(e) => Poll::Ready(Err(e)),
            },
            ready => {
                this.write = None;
                ready
            }
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_write_vectored(cx, bufs) {
            Poll::Pending => match stalled(&mut this.write, this.limit, cx) {
                Ok(()) => Poll::Pending,
                Err(e) => Poll::Ready(Err(e)),
            },
            ready => {
                this.write = None;
                ready
            }
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
