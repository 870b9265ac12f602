//! The `/metrics` endpoint: a small HTTP/1.1 server written over tokio for one resource.
//!
//! `GET /metrics` (or `HEAD`) answers `200` with [`Metrics::render`] as
//! `text/plain; version=0.0.4; charset=utf-8`; other paths answer `404`, other methods `405`,
//! malformed requests `400`, request heads over 8 KiB `431`, and clients that take more than
//! 5 s to send their head `408`. Every response says `Connection: close`: a scrape is one
//! request, so there is no keep-alive, pipelining or request body to handle.
//!
//! Each connection runs in its own task of a [`JoinSet`] owned by [`serve`], so none outlives
//! it: on shutdown, connections still open get a short grace period and are then aborted.

use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio::time::timeout;

use super::Metrics;

/// The largest request head (request line and headers) read; a bigger one gets `431`.
const MAX_HEAD_BYTES: usize = 8 * 1024;
/// How long a client has to send its request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a client has to take the response.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long to drain what a client still sends after the response (see [`linger`]).
const LINGER_TIMEOUT: Duration = Duration::from_secs(1);
/// The most bytes drained after the response.
const LINGER_BYTES: usize = 64 * 1024;
/// How long open connections may finish after shutdown before they are aborted.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);
/// The first and the longest pause after an error accepting connections.
const ACCEPT_BACKOFF: (Duration, Duration) = (Duration::from_millis(10), Duration::from_secs(1));

/// The media type of the Prometheus text exposition format 0.0.4.
const METRICS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Binds a TCP listener for [`serve`] to `addr` (`host:port`; port `0` picks a free port).
///
/// # Errors
///
/// An [`io::Error`] of the same kind as the bind's, wrapping a [`BindError`] that names the
/// address and says what to do about it.
pub async fn bind(addr: &str) -> io::Result<TcpListener> {
    TcpListener::bind(addr).await.map_err(|source| {
        io::Error::new(
            source.kind(),
            BindError {
                addr: addr.to_owned(),
                source,
            },
        )
    })
}

/// The metrics endpoint could not listen on an address (the environment's or the config's
/// fault); its message says what to do.
#[derive(Debug, thiserror::Error)]
#[error("could not bind the metrics endpoint to `{addr}`: {hint}", hint = Hint(.source.kind()))]
pub struct BindError {
    /// The address as given.
    pub addr: String,
    /// The error binding it.
    pub source: io::Error,
}

/// What to do about a failed bind, by the kind of failure.
struct Hint(io::ErrorKind);

impl fmt::Display for Hint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            io::ErrorKind::AddrInUse => {
                "another process listens there; stop it or choose another port (port 0 picks a \
                 free one)"
            }
            io::ErrorKind::AddrNotAvailable => {
                "the host is not an address of this machine; use 0.0.0.0 (all interfaces) or \
                 127.0.0.1"
            }
            io::ErrorKind::PermissionDenied => {
                "ports below 1024 need privileges; choose a port of 1024 or above, e.g. 9464"
            }
            io::ErrorKind::InvalidInput => {
                "give an address as host:port, e.g. 0.0.0.0:9464 or 127.0.0.1:0"
            }
            _ => "check that the address is host:port of this machine, e.g. 0.0.0.0:9464",
        })
    }
}

/// Serves `GET /metrics` on `listener` until `shutdown` resolves.
///
/// Each connection is handled in its own task; after `shutdown`, no connection is accepted,
/// open ones get a short grace period to finish and are then aborted, and `serve` returns.
/// Errors accepting a connection do not end the endpoint (a metrics endpoint must not take
/// the ingest down because file descriptors ran out for a moment): they are logged and
/// retried after a pause that grows to a second.
///
/// # Errors
///
/// None at present: the `Result` leaves room for failures that should end the endpoint.
pub async fn serve(
    listener: TcpListener,
    metrics: Arc<Metrics>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let mut shutdown = std::pin::pin!(shutdown);
    let mut connections = JoinSet::new();
    let mut backoff = ACCEPT_BACKOFF.0;
    loop {
        tokio::select! {
            biased;
            () = &mut shutdown => break,
            Some(joined) = connections.join_next(), if !connections.is_empty() => {
                if let Err(error) = joined {
                    tracing::error!(%error, "a metrics connection task failed (a bug)");
                }
            }
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    backoff = ACCEPT_BACKOFF.0;
                    connections.spawn(connection(stream, peer, Arc::clone(&metrics)));
                }
                Err(error) if is_connection_error(&error) => {
                    tracing::debug!(%error, "a metrics client went away before it was accepted");
                }
                Err(error) => {
                    tracing::warn!(%error, ?backoff, "the metrics endpoint could not accept a connection");
                    tokio::select! {
                        biased;
                        () = &mut shutdown => break,
                        () = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(ACCEPT_BACKOFF.1);
                }
            },
        }
    }
    drop(listener);
    let drained = timeout(SHUTDOWN_GRACE, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::debug!(
            open = connections.len(),
            "metrics connections aborted at shutdown"
        );
    }
    connections.shutdown().await;
    Ok(())
}

/// Errors that concern one connection, not the listener.
fn is_connection_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::Interrupted
            | io::ErrorKind::WouldBlock
    )
}

/// Handles one connection: reads the head, answers, closes.
async fn connection(mut stream: TcpStream, peer: SocketAddr, metrics: Arc<Metrics>) {
    let response = match timeout(HEAD_TIMEOUT, read_head(&mut stream)).await {
        Ok(Ok(Some(head))) => respond(&head, &metrics),
        Ok(Ok(None)) => return, // closed before sending anything
        Ok(Err(HeadError::TooLarge)) => {
            Response::error(Status::HEAD_TOO_LARGE, "the request head is over 8 KiB")
        }
        Ok(Err(HeadError::Incomplete)) => {
            Response::error(Status::BAD_REQUEST, "the request head is incomplete")
        }
        Ok(Err(HeadError::Io(error))) => {
            tracing::debug!(%peer, %error, "reading a metrics request failed");
            return;
        }
        Err(_elapsed) => {
            Response::error(Status::TIMEOUT, "the request head did not arrive in time")
        }
    };
    let bytes = response.into_bytes();
    match timeout(WRITE_TIMEOUT, stream.write_all(&bytes)).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => {
            tracing::debug!(%peer, %error, "writing a metrics response failed");
            return;
        }
        Err(_elapsed) => {
            tracing::debug!(%peer, "a metrics client took too long to read the response");
            return;
        }
    }
    linger(&mut stream).await;
}

/// Ends the response and waits briefly for the client to close, draining what it still sends.
///
/// Closing a socket with unread input makes the kernel send a reset, which can destroy the
/// response before the client has read it; sending our FIN first and reading until the client's
/// (or a short deadline) avoids that.
async fn linger(stream: &mut TcpStream) {
    if stream.shutdown().await.is_err() {
        return;
    }
    let _ = timeout(LINGER_TIMEOUT, async {
        let mut sink = [0u8; 1024];
        let mut drained = 0;
        while drained < LINGER_BYTES {
            match stream.read(&mut sink).await {
                Ok(0) | Err(_) => break,
                Ok(n) => drained += n,
            }
        }
    })
    .await;
}

/// Why a request head could not be read.
#[derive(Debug)]
enum HeadError {
    /// It is longer than [`MAX_HEAD_BYTES`].
    TooLarge,
    /// The client closed its side before the blank line ending the head.
    Incomplete,
    /// Reading failed.
    Io(io::Error),
}

/// Reads up to the blank line ending the head; `None` if the client sent nothing at all.
async fn read_head(stream: &mut TcpStream) -> Result<Option<Vec<u8>>, HeadError> {
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let n = stream.read(&mut chunk).await.map_err(HeadError::Io)?;
        if n == 0 {
            return if head.is_empty() {
                Ok(None)
            } else {
                Err(HeadError::Incomplete)
            };
        }
        head.extend_from_slice(&chunk[..n]);
        match head_end(&head) {
            Some(end) if end <= MAX_HEAD_BYTES => {
                head.truncate(end);
                return Ok(Some(head));
            }
            Some(_) => return Err(HeadError::TooLarge),
            None if head.len() >= MAX_HEAD_BYTES => return Err(HeadError::TooLarge),
            None => {}
        }
    }
}

/// The length of the head: up to and including the first empty line (`\r\n\r\n`, or `\n\n`
/// from lenient clients).
fn head_end(buf: &[u8]) -> Option<usize> {
    (0..buf.len()).find_map(|i| match &buf[i..] {
        [b'\n', b'\n', ..] => Some(i + 2),
        [b'\n', b'\r', b'\n', ..] => Some(i + 3),
        _ => None,
    })
}

/// Answers a complete request head.
fn respond(head: &[u8], metrics: &Metrics) -> Response {
    let request = match parse_head(head) {
        Ok(request) => request,
        Err(status) => {
            return Response::error(status, "malformed request; send GET /metrics HTTP/1.1");
        }
    };
    let head_only = match request.method {
        "GET" => false,
        "HEAD" => true,
        _ => {
            let mut response =
                Response::error(Status::METHOD_NOT_ALLOWED, "only GET and HEAD are served");
            response.allow = true;
            return response;
        }
    };
    let mut response = if request.path == "/metrics" {
        Response {
            status: Status::OK,
            content_type: METRICS_CONTENT_TYPE,
            body: metrics.render().into_bytes(),
            allow: false,
            head_only: false,
        }
    } else {
        Response::error(Status::NOT_FOUND, "not found; the metrics are at /metrics")
    };
    response.head_only = head_only;
    response
}

/// The parts of a request that matter here.
#[derive(Debug, PartialEq, Eq)]
struct Request<'a> {
    method: &'a str,
    /// The target's path, without query.
    path: &'a str,
}

/// Parses the request line (`METHOD target HTTP/1.x`) and checks the header lines' form.
fn parse_head(head: &[u8]) -> Result<Request<'_>, Status> {
    let mut lines = head
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line));
    let request_line = lines.next().ok_or(Status::BAD_REQUEST)?;
    let request_line = std::str::from_utf8(request_line).map_err(|_| Status::BAD_REQUEST)?;
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Status::BAD_REQUEST);
    };
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(Status::BAD_REQUEST);
    }
    match version.strip_prefix("HTTP/") {
        Some("1.0" | "1.1") => {}
        Some(v) if v.len() == 3 && v.as_bytes()[1] == b'.' => {
            return Err(Status::VERSION_NOT_SUPPORTED);
        }
        _ => return Err(Status::BAD_REQUEST),
    }
    let path = origin_path(target).ok_or(Status::BAD_REQUEST)?;
    for line in lines.filter(|line| !line.is_empty()) {
        let name_len = line
            .iter()
            .position(|&b| b == b':')
            .ok_or(Status::BAD_REQUEST)?;
        let name = &line[..name_len];
        if name.is_empty()
            || name
                .iter()
                .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
        {
            return Err(Status::BAD_REQUEST);
        }
    }
    Ok(Request { method, path })
}

/// The path of a request target in origin form (`/metrics?x`) or absolute form
/// (`http://host:9464/metrics`), without its query.
fn origin_path(target: &str) -> Option<&str> {
    let path = if target.starts_with('/') {
        target
    } else {
        let rest = target
            .strip_prefix("http://")
            .or_else(|| target.strip_prefix("https://"))?;
        rest.find('/').map_or("/", |i| &rest[i..])
    };
    let path = path.split(['?', '#']).next().unwrap_or(path);
    path.bytes().all(|b| b.is_ascii_graphic()).then_some(path)
}

/// A status code and its reason phrase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Status(u16, &'static str);

impl Status {
    const OK: Status = Status(200, "OK");
    const BAD_REQUEST: Status = Status(400, "Bad Request");
    const NOT_FOUND: Status = Status(404, "Not Found");
    const METHOD_NOT_ALLOWED: Status = Status(405, "Method Not Allowed");
    const TIMEOUT: Status = Status(408, "Request Timeout");
    const HEAD_TOO_LARGE: Status = Status(431, "Request Header Fields Too Large");
    const VERSION_NOT_SUPPORTED: Status = Status(505, "HTTP Version Not Supported");
}

/// A response about to be written.
#[derive(Debug)]
struct Response {
    status: Status,
    content_type: &'static str,
    body: Vec<u8>,
    /// Whether to send `Allow: GET, HEAD` (with `405`).
    allow: bool,
    /// Whether to leave the body out (a `HEAD` request); `Content-Length` stays the body's.
    head_only: bool,
}

impl Response {
    /// An error response with a one-line explanation for people.
    fn error(status: Status, message: &str) -> Self {
        Response {
            status,
            content_type: "text/plain; charset=utf-8",
            body: format!("{} {}: {message}\n", status.0, status.1).into_bytes(),
            allow: false,
            head_only: false,
        }
    }

    fn into_bytes(self) -> Vec<u8> {
        let Status(code, reason) = self.status;
        let date = chrono::Utc::now().format("%a, %d %b %Y %H:%M:%S GMT");
        let allow = if self.allow {
            "Allow: GET, HEAD\r\n"
        } else {
            ""
        };
        let mut bytes = format!(
            "HTTP/1.1 {code} {reason}\r\nDate: {date}\r\nContent-Type: {}\r\n\
             Content-Length: {}\r\n{allow}Connection: close\r\n\r\n",
            self.content_type,
            self.body.len(),
        )
        .into_bytes();
        if !self.head_only {
            bytes.extend_from_slice(&self.body);
        }
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_ends_at_the_first_empty_line() {
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nHost: a\r\n\r\nbody"), Some(27));
        assert_eq!(head_end(b"GET / HTTP/1.1\n\n"), Some(16));
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nHost: a\r\n"), None);
    }

    #[test]
    fn request_lines_parse_or_are_rejected() {
        let ok = |head: &'static [u8]| parse_head(head);
        assert_eq!(
            ok(b"GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\n\r\n"),
            Ok(Request {
                method: "GET",
                path: "/metrics"
            })
        );
        assert_eq!(
            ok(b"GET http://host:9464/metrics HTTP/1.0\r\n\r\n").map(|r| r.path),
            Ok("/metrics")
        );
        assert_eq!(ok(b"GET /metrics\r\n\r\n"), Err(Status::BAD_REQUEST));
        assert_eq!(
            ok(b"GET  /metrics HTTP/1.1\r\n\r\n"),
            Err(Status::BAD_REQUEST)
        );
        assert_eq!(
            ok(b"GET metrics HTTP/1.1\r\n\r\n"),
            Err(Status::BAD_REQUEST)
        );
        assert_eq!(ok(b"GET /metrics SPDY/3\r\n\r\n"), Err(Status::BAD_REQUEST));
        assert_eq!(
            ok(b"GET /metrics HTTP/2.0\r\n\r\n"),
            Err(Status::VERSION_NOT_SUPPORTED)
        );
        assert_eq!(
            ok(b"GET /metrics HTTP/1.1\r\nno colon here\r\n\r\n"),
            Err(Status::BAD_REQUEST)
        );
        assert_eq!(
            ok(b"GET /metrics HTTP/1.1\r\n folded: x\r\n\r\n"),
            Err(Status::BAD_REQUEST)
        );
    }
}
