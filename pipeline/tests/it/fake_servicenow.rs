//! A fake ServiceNow Table API on 127.0.0.1 (a free port): in-memory incident tickets, and knobs
//! for outages, refused credentials, refused incidents and a client that dies mid-POST.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{Map, Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinSet;

/// One ticket as the fake instance holds it.
#[derive(Clone, Debug)]
pub(crate) struct Ticket {
    pub(crate) sys_id: String,
    pub(crate) number: String,
    pub(crate) fields: Map<String, Value>,
    pub(crate) work_notes: Vec<String>,
}

impl Ticket {
    pub(crate) fn field(&self, name: &str) -> &str {
        self.fields.get(name).and_then(Value::as_str).unwrap_or("")
    }
}

#[derive(Default)]
pub(crate) struct State {
    pub(crate) tickets: Vec<Ticket>,
    /// Tickets ever created: sys_ids and numbers are never reused, as on a real instance,
    /// even after a test deletes tickets.
    pub(crate) created: usize,
    /// Answers to give before behaving normally: (status, Retry-After).
    pub(crate) failures: VecDeque<(u16, Option<String>)>,
    /// Refuse every POST whose correlation_id starts with this (HTTP 400).
    pub(crate) reject_correlation: Option<String>,
    /// The next POST creates its ticket, then never answers; the sender is told.
    pub(crate) hang_next_post: Option<oneshot::Sender<()>>,
    /// Every request: method, path and query.
    pub(crate) requests: Vec<String>,
}

/// The running fake; stopped (with every connection) when dropped.
pub(crate) struct FakeServiceNow {
    pub(crate) url: String,
    pub(crate) state: Arc<Mutex<State>>,
    server: JoinSet<()>,
}

pub(crate) const TOKEN: &str = "test-token";

impl FakeServiceNow {
    pub(crate) async fn start() -> FakeServiceNow {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State::default()));
        let mut server = JoinSet::new();
        let shared = Arc::clone(&state);
        server.spawn(async move {
            let mut connections = JoinSet::new();
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let state = Arc::clone(&shared);
                connections.spawn(async move {
                    let service = service_fn(move |req| handle(Arc::clone(&state), req));
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
                while connections.try_join_next().is_some() {}
            }
        });
        FakeServiceNow { url, state, server }
    }

    pub(crate) fn tickets(&self) -> Vec<Ticket> {
        self.state.lock().unwrap().tickets.clone()
    }

    pub(crate) fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.state.lock().unwrap())
    }

    pub(crate) fn requests(&self) -> Vec<String> {
        self.state.lock().unwrap().requests.clone()
    }
}

impl Drop for FakeServiceNow {
    fn drop(&mut self) {
        self.server.abort_all();
    }
}

fn reply(status: u16, body: Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then(|| percent_decode(v))
    })
}

async fn handle(
    state: Arc<Mutex<State>>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let authorized = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        == Some(&format!("Bearer {TOKEN}"));
    let body = req.into_body().collect().await.unwrap().to_bytes();
    let mut hang = None;
    let response = {
        let mut s = state.lock().unwrap();
        s.requests.push(format!("{method} {path}?{query}"));
        if let Some((status, retry_after)) = s.failures.pop_front() {
            let mut r = reply(status, json!({"error": {"message": "unavailable"}}));
            if let Some(ra) = retry_after {
                r.headers_mut().insert("retry-after", ra.parse().unwrap());
            }
            return Ok(r);
        }
        if !authorized {
            return Ok(reply(
                401,
                json!({"error": {"message": "User Not Authenticated"}}),
            ));
        }
        let rest = path.strip_prefix("/api/now/table/incident");
        match (method, rest) {
            (Method::GET, Some("")) => {
                let q = query_param(&query, "sysparm_query").unwrap_or_default();
                let wanted = q
                    .strip_prefix("correlation_id=")
                    .and_then(|r| r.split('^').next())
                    .unwrap_or("")
                    .to_string();
                let rows: Vec<Value> = s
                    .tickets
                    .iter()
                    .filter(|t| t.field("correlation_id") == wanted)
                    .map(|t| json!({"sys_id": t.sys_id, "number": t.number, "sys_created_on": t.field("sys_created_on")}))
                    .collect();
                reply(200, json!({ "result": rows }))
            }
            (Method::GET, Some(id)) => {
                let id = id.trim_start_matches('/');
                match s.tickets.iter().find(|t| t.sys_id == id) {
                    Some(t) => reply(
                        200,
                        json!({"result": {"state": t.field("state"), "number": t.number}}),
                    ),
                    None => reply(404, json!({"error": {"message": "No Record found"}})),
                }
            }
            (Method::POST, Some("")) => {
                let fields: Map<String, Value> = serde_json::from_slice(&body).unwrap();
                let correlation = fields
                    .get("correlation_id")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                if s.reject_correlation
                    .as_deref()
                    .is_some_and(|r| correlation.starts_with(r))
                {
                    reply(
                        400,
                        json!({"error": {"message": "Invalid value for field category"}}),
                    )
                } else {
                    s.created += 1;
                    let n = s.created;
                    let mut fields = fields;
                    fields.insert("state".into(), "1".into());
                    fields.insert(
                        "sys_created_on".into(),
                        format!("2026-01-01 00:00:{n:02}").into(),
                    );
                    let t = Ticket {
                        sys_id: format!("sys{n:04}"),
                        number: format!("INC{n:07}"),
                        fields,
                        work_notes: Vec::new(),
                    };
                    let r = reply(
                        201,
                        json!({"result": {"sys_id": t.sys_id, "number": t.number}}),
                    );
                    s.tickets.push(t);
                    hang = s.hang_next_post.take();
                    r
                }
            }
            (Method::PATCH, Some(id)) => {
                let id = id.trim_start_matches('/');
                let fields: Map<String, Value> = serde_json::from_slice(&body).unwrap();
                match s.tickets.iter_mut().find(|t| t.sys_id == id) {
                    Some(t) => {
                        for (k, v) in fields {
                            if k == "work_notes" {
                                t.work_notes.push(v.as_str().unwrap_or("").to_string());
                            } else {
                                t.fields.insert(k, v);
                            }
                        }
                        reply(
                            200,
                            json!({"result": {"sys_id": t.sys_id, "number": t.number}}),
                        )
                    }
                    None => reply(404, json!({"error": {"message": "No Record found"}})),
                }
            }
            _ => reply(404, json!({"error": {"message": "no such API"}})),
        }
    };
    if let Some(told) = hang {
        let _ = told.send(());
        std::future::pending::<()>().await;
    }
    Ok(response)
}
