//! A raw-TCP HTTP/1.1 server that misbehaves on purpose: it answers from a script, one action
//! per request, and records what it received and what became of its writes. Raw sockets
//! because the faults (a lying length, a cut chunk, a reset, a head with no body) are exactly
//! what an HTTP library would refuse to produce.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

/// Longest request head, and longest request body, the server reads.
const MAX_HEAD: usize = 64 * 1024;
const MAX_BODY: usize = 1024 * 1024;
/// The server's socket send buffer.
const SEND_BUFFER: u32 = 64 * 1024;
/// Data bytes per chunk when streaming.
const STREAM_CHUNK: usize = 64 * 1024;

/// What the server does with one request.
#[derive(Debug, Clone)]
pub(crate) enum Action {
    /// Writes these bytes (a complete response) and waits for the next request.
    Answer(Vec<u8>),
    /// Writes `head`, then a chunked body of `total` bytes for as long as the peer reads.
    Stream { head: Vec<u8>, total: u64 },
    /// Writes these bytes, then never writes again and waits for the peer to close.
    WriteAndHold(Vec<u8>),
    /// Writes these bytes and closes the connection.
    WriteAndClose(Vec<u8>),
    /// Closes the connection with a reset, answering nothing.
    Reset,
}

/// One request as it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Received {
    pub method: String,
    pub target: String,
    pub version: String,
    /// One entry per header line, name as sent, value without surrounding whitespace.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The body came with `Transfer-Encoding` and was not read.
    pub body_unread: bool,
}

impl Received {
    /// Every value of header `name` (case-insensitive), in order.
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// Everything the server observed.
#[derive(Debug, Clone, Default)]
pub(crate) struct Log {
    pub connections: usize,
    pub requests: Vec<Received>,
    /// Bytes the kernel accepted from the server's writes, over all connections.
    pub bytes_written: u64,
    /// Connections on which the server saw the peer close (end of stream, reset or a failed
    /// write).
    pub peer_closes: usize,
}

/// A running server on `127.0.0.1`, ephemeral port. Dropping it stops everything it runs.
pub(crate) struct FaultServer {
    addr: SocketAddr,
    log: watch::Sender<Log>,
    _tasks: JoinSet<()>,
}

impl FaultServer {
    /// Starts serving: request `n` (counted over all connections) gets `script[n]`, and
    /// any request beyond the script a plain 200 saying it was not expected.
    pub async fn start(script: Vec<Action>) -> Result<FaultServer, String> {
        let listener = listen().map_err(|e| format!("the fault server cannot listen: {e}"))?;
        let addr = listener
            .local_addr()
            .map_err(|e| format!("the fault server has no address: {e}"))?;
        let log = watch::Sender::new(Log::default());
        let mut tasks = JoinSet::new();
        tasks.spawn(accept(listener, Arc::new(script), log.clone()));
        Ok(FaultServer {
            addr,
            log,
            _tasks: tasks,
        })
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn log(&self) -> Log {
        self.log.borrow().clone()
    }

    /// The log once at least `closes` connections were closed by the peer, or `None` if that
    /// did not happen within `limit`.
    pub async fn wait_for_peer_closes(&self, closes: usize, limit: Duration) -> Option<Log> {
        let mut log = self.log.subscribe();
        let seen = tokio::time::timeout(limit, log.wait_for(|l| l.peer_closes >= closes)).await;
        match seen {
            Ok(Ok(log)) => Some(log.clone()),
            _ => None,
        }
    }
}

/// A listener on an ephemeral loopback port. Its small send buffer (inherited by accepted
/// connections) keeps what the kernel takes from the server close to what the client read.
fn listen() -> std::io::Result<TcpListener> {
    let socket = TcpSocket::new_v4()?;
    socket.set_send_buffer_size(SEND_BUFFER)?;
    socket.bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
    socket.listen(64)
}

/// The answer to a request the script did not plan for (a retry, a followed redirect).
pub(crate) fn unexpected_answer() -> Vec<u8> {
    let body = "unexpected extra request";
    format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

async fn accept(listener: TcpListener, script: Arc<Vec<Action>>, log: watch::Sender<Log>) {
    // Owned here so that stopping the accept loop stops every connection too.
    let mut connections = JoinSet::new();
    while let Ok((stream, _)) = listener.accept().await {
        log.send_modify(|l| l.connections += 1);
        connections.spawn(serve(stream, script.clone(), log.clone()));
        // Reap finished connections so the set does not grow with them.
        while connections.try_join_next().is_some() {}
    }
}

async fn serve(mut stream: TcpStream, script: Arc<Vec<Action>>, log: watch::Sender<Log>) {
    let mut buffer = Vec::new();
    loop {
        let request = match read_request(&mut stream, &mut buffer).await {
            Ok(Some(request)) => request,
            Ok(None) | Err(_) => {
                log.send_modify(|l| l.peer_closes += 1);
                return;
            }
        };
        let body_unread = request.body_unread;
        let mut index = 0;
        log.send_modify(|l| {
            index = l.requests.len();
            l.requests.push(request);
        });
        let action = script
            .get(index)
            .cloned()
            .unwrap_or_else(|| Action::Answer(unexpected_answer()));
        let keep_going = match action {
            Action::Answer(bytes) => write(&mut stream, &bytes, &log).await,
            Action::Stream { head, total } => stream_body(&mut stream, &head, total, &log).await,
            Action::WriteAndHold(bytes) => {
                if write(&mut stream, &bytes, &log).await {
                    wait_for_close(&mut stream, &log).await;
                }
                false
            }
            Action::WriteAndClose(bytes) => {
                if write(&mut stream, &bytes, &log).await {
                    let _ = stream.shutdown().await;
                }
                false
            }
            Action::Reset => {
                // SO_LINGER 0: closing sends RST instead of FIN.
                let _ = stream.set_zero_linger();
                false
            }
        };
        // A body the server did not read would be taken for the next request.
        if !keep_going || body_unread {
            return;
        }
    }
}

/// Writes all of `bytes`, counting what the kernel accepted. False once the peer is gone.
async fn write(stream: &mut TcpStream, bytes: &[u8], log: &watch::Sender<Log>) -> bool {
    let mut rest = bytes;
    while !rest.is_empty() {
        match stream.write(rest).await {
            Ok(0) | Err(_) => {
                log.send_modify(|l| l.peer_closes += 1);
                return false;
            }
            Ok(n) => {
                log.send_modify(|l| l.bytes_written += n as u64);
                rest = &rest[n..];
            }
        }
    }
    true
}

async fn stream_body(
    stream: &mut TcpStream,
    head: &[u8],
    total: u64,
    log: &watch::Sender<Log>,
) -> bool {
    if !write(stream, head, log).await {
        return false;
    }
    let full = chunk(&[b'x'; STREAM_CHUNK]);
    let mut left = total;
    while left > 0 {
        let size = left.min(STREAM_CHUNK as u64) as usize;
        let last;
        let frame = if size == STREAM_CHUNK {
            &full
        } else {
            last = chunk(&vec![b'x'; size]);
            &last
        };
        if !write(stream, frame, log).await {
            return false;
        }
        left -= size as u64;
    }
    write(stream, b"0\r\n\r\n", log).await
}

/// One chunk of a chunked body.
pub(crate) fn chunk(data: &[u8]) -> Vec<u8> {
    let mut frame = format!("{:x}\r\n", data.len()).into_bytes();
    frame.extend_from_slice(data);
    frame.extend_from_slice(b"\r\n");
    frame
}

/// Reads and discards until the peer closes.
async fn wait_for_close(stream: &mut TcpStream, log: &watch::Sender<Log>) {
    let mut scratch = [0u8; 4096];
    loop {
        match stream.read(&mut scratch).await {
            Ok(0) | Err(_) => {
                log.send_modify(|l| l.peer_closes += 1);
                return;
            }
            Ok(_) => {}
        }
    }
}

/// The next request on the connection; `Ok(None)` when the peer closed (or sent something
/// that is not HTTP/1.1, which ends the connection all the same).
async fn read_request(
    stream: &mut TcpStream,
    buffer: &mut Vec<u8>,
) -> std::io::Result<Option<Received>> {
    let head_end = loop {
        if let Some(at) = find(buffer, b"\r\n\r\n") {
            break at;
        }
        if buffer.len() > MAX_HEAD || !fill(stream, buffer).await? {
            return Ok(None);
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    buffer.drain(..head_end + 4);
    let Some(mut request) = parse_head(&head) else {
        return Ok(None);
    };
    if !request.header_values("transfer-encoding").is_empty() {
        request.body_unread = true;
        return Ok(Some(request));
    }
    let length = match request.header_values("content-length").as_slice() {
        [] => 0,
        [value] => match value.parse::<usize>() {
            Ok(n) if n <= MAX_BODY => n,
            _ => return Ok(None),
        },
        _ => return Ok(None),
    };
    while buffer.len() < length {
        if !fill(stream, buffer).await? {
            return Ok(None);
        }
    }
    request.body = buffer.drain(..length).collect();
    Ok(Some(request))
}

/// Appends what the socket has; false at end of stream.
async fn fill(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> std::io::Result<bool> {
    let mut scratch = [0u8; 8192];
    let n = stream.read(&mut scratch).await?;
    buffer.extend_from_slice(&scratch[..n]);
    Ok(n > 0)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn parse_head(head: &str) -> Option<Received> {
    let mut lines = head.split("\r\n");
    let mut parts = lines.next()?.split(' ');
    let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line.split_once(':')?;
        headers.push((
            name.to_string(),
            value.trim_matches([' ', '\t']).to_string(),
        ));
    }
    Some(Received {
        method: method.to_string(),
        target: target.to_string(),
        version: version.to_string(),
        headers,
        body: Vec::new(),
        body_unread: false,
    })
}
