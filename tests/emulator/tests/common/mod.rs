//! A tiny native FAPI client for the tests: it sends what the SDK sends and keeps the device
//! token the way the SDK must (replace on a new `Authorization`, drop on an empty one).
#![allow(dead_code)]

use clerk_emulator::{CLERK_API_VERSION, Emulator, EmulatorConfig};
use reqwest::{Method, Response, StatusCode};
use serde_json::Value;

/// An HTTP client for the tests. In a workspace build reqwest is compiled with the core's
/// `rustls-no-provider`, so a TLS crypto provider must be installed before building a client.
pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

pub struct Native {
    pub http: reqwest::Client,
    pub base: String,
    pub device_token: Option<String>,
}

/// A parsed answer: status, `Authorization` header (if any) and JSON body (null if not JSON).
pub struct Reply {
    pub status: StatusCode,
    pub authorization: Option<String>,
    pub date: Option<String>,
    pub retry_after: Option<String>,
    pub body: Value,
}

impl Reply {
    pub fn error_code(&self) -> &str {
        self.body["errors"][0]["code"].as_str().unwrap_or("")
    }

    pub fn jwt(&self) -> &str {
        self.body["jwt"].as_str().expect("response has a jwt")
    }
}

impl Native {
    pub fn new(emu: &Emulator) -> Self {
        Native {
            http: http_client(),
            base: emu.url().to_string(),
            device_token: None,
        }
    }

    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut req = self
            .http
            .request(method, format!("{}{path}{sep}_is_native=true", self.base))
            .header("clerk-api-version", CLERK_API_VERSION)
            .header("x-mobile", "1");
        if let Some(token) = &self.device_token {
            req = req.header("authorization", token);
        }
        req
    }

    pub async fn send(&mut self, req: reqwest::RequestBuilder) -> Reply {
        let reply = read(req.send().await.expect("request is answered")).await;
        match reply.authorization.as_deref() {
            Some("") => self.device_token = None,
            Some(token) => self.device_token = Some(token.to_string()),
            None => {}
        }
        reply
    }

    pub async fn get_client(&mut self) -> Reply {
        let req = self.request(Method::GET, "/v1/client");
        self.send(req).await
    }

    pub async fn sign_in(&mut self, ticket: &str) -> Reply {
        let req = self
            .request(Method::POST, "/v1/client/sign_ins")
            .form(&[("strategy", "ticket"), ("ticket", ticket)]);
        self.send(req).await
    }

    pub async fn session_token(&mut self, session_id: &str, form: &[(&str, &str)]) -> Reply {
        let req = self
            .request(
                Method::POST,
                &format!("/v1/client/sessions/{session_id}/tokens"),
            )
            .form(form);
        self.send(req).await
    }

    pub async fn template_token(&mut self, session_id: &str, template: &str) -> Reply {
        let req = self.request(
            Method::POST,
            &format!("/v1/client/sessions/{session_id}/tokens/{template}"),
        );
        self.send(req).await
    }

    pub async fn end_session(&mut self, session_id: &str) -> Reply {
        let req = self.request(
            Method::POST,
            &format!("/v1/client/sessions/{session_id}/end"),
        );
        self.send(req).await
    }

    /// Signs `user_id` in with a fresh ticket and returns the new session id.
    pub async fn signed_in(emu: &Emulator, user_id: &str) -> (Native, String) {
        let mut native = Native::new(emu);
        let reply = native
            .sign_in(&emu.create_sign_in_token(user_id).token)
            .await;
        assert_eq!(reply.status, 200, "sign-in failed: {}", reply.body);
        let sid = reply.body["response"]["created_session_id"]
            .as_str()
            .unwrap()
            .to_string();
        (native, sid)
    }
}

pub async fn read(resp: Response) -> Reply {
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    };
    let (status, authorization, date, retry_after) = (
        resp.status(),
        header("authorization"),
        header("date"),
        header("retry-after"),
    );
    let text = resp.text().await.expect("body is readable");
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply {
        status,
        authorization,
        date,
        retry_after,
        body,
    }
}

pub async fn start() -> Emulator {
    Emulator::start(EmulatorConfig::default())
        .await
        .expect("emulator starts")
}

/// `POST {base}{path}` on the BAPI with the given bearer secret and JSON body.
pub async fn bapi(emu: &Emulator, path: &str, secret: Option<&str>, body: Option<Value>) -> Reply {
    let mut req = http_client().post(format!("{}{path}", emu.url()));
    if let Some(secret) = secret {
        req = req.bearer_auth(secret);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    read(req.send().await.expect("BAPI answers")).await
}
