//! Runs a complete FAPI + BAPI flow against the emulator and checks every exchange against
//! Clerk's OpenAPI specs: the path and method exist, request fields are declared, and each JSON
//! response validates against the schema declared for its status.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use clerk_emulator::{CLERK_API_VERSION, Emulator, EmulatorConfig, Membership, Organization, User};
use reqwest::Method;
use serde_json::{Map, Value, json};

const FAPI_SPEC: &str = "fapi-2026-05-12.yml";
const BAPI_SPEC: &str = "bapi-2026-05-12.yml";

/// Error statuses the emulator answers but the spec does not list for that operation; their
/// bodies must still be ClerkErrors. Anything else undeclared fails the test.
const UNDECLARED_ERROR_STATUSES: &[(&str, u16)] = &[
    // The BAPI answers a missing or wrong secret key with 401 on every route.
    ("CreateSignInToken", 401),
    ("GetJWKS", 401),
    // A lifetime outside the spec's own bounds (30..=315360000), refused as Clerk refuses
    // values its validation rejects.
    ("CreateSessionToken", 422),
    // A body that is not JSON.
    ("CreateSignInToken", 400),
];

// ---------------------------------------------------------------------------------------------
// Loading and converting the specs

fn specs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/specs/clerk-openapi")
}

fn load_yaml(name: &str) -> Value {
    let path = specs_dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "the Clerk OpenAPI spec {} is required for this test but could not be read ({e}); \
             it lives in shared/specs/clerk-openapi next to the repository",
            path.display()
        )
    });
    serde_yaml_ng::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not valid YAML: {e}", path.display()))
}

/// One OpenAPI document, with its component schemas converted to JSON Schema 2020-12.
struct Spec {
    name: &'static str,
    doc: Value,
    /// Path prefix of the server URL (`/v1` for the BAPI, whose paths omit it).
    prefix: &'static str,
    defs: Value,
    validators: HashMap<String, jsonschema::Validator>,
}

impl Spec {
    fn load(name: &'static str, prefix: &'static str) -> Self {
        let doc = load_yaml(name);
        let schemas = doc["components"]["schemas"]
            .as_object()
            .expect("components.schemas");
        let defs = Value::Object(
            schemas
                .iter()
                .map(|(k, v)| (k.clone(), to_json_schema(v)))
                .collect(),
        );
        Spec {
            name,
            doc,
            prefix,
            defs,
            validators: HashMap::new(),
        }
    }

    /// Follows a local `$ref` (to components.responses, requestBodies, parameters...).
    fn deref<'a>(&'a self, v: &'a Value) -> &'a Value {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let pointer = r.strip_prefix('#').expect("local $ref");
                self.deref(
                    self.doc
                        .pointer(pointer)
                        .unwrap_or_else(|| panic!("{}: dangling $ref {r}", self.name)),
                )
            }
            None => v,
        }
    }

    /// The path template matching a concrete path, preferring the most literal segments.
    fn find_path(&self, path: &str) -> Option<String> {
        let path = path.strip_prefix(self.prefix)?;
        let actual: Vec<&str> = path.trim_matches('/').split('/').collect();
        self.doc["paths"]
            .as_object()?
            .keys()
            .filter_map(|template| {
                let parts: Vec<&str> = template.trim_matches('/').split('/').collect();
                if parts.len() != actual.len() {
                    return None;
                }
                let mut literal = 0;
                for (t, a) in parts.iter().zip(&actual) {
                    if t.starts_with('{') && t.ends_with('}') {
                        if a.is_empty() {
                            return None;
                        }
                    } else if t == a {
                        literal += 1;
                    } else {
                        return None;
                    }
                }
                Some((literal, template.clone()))
            })
            .max()
            .map(|(_, t)| t)
    }

    /// Validates `instance` against a (not yet converted) schema from this document.
    fn validate(&mut self, cache_key: &str, schema: &Value, instance: &Value) -> Vec<String> {
        if !self.validators.contains_key(cache_key) {
            let validator = compile(&self.defs, schema);
            self.validators.insert(cache_key.to_string(), validator);
        }
        self.validators[cache_key]
            .iter_errors(instance)
            .map(|e| format!("{} at {}", shorten(&e.to_string()), e.instance_path()))
            .collect()
    }

    fn clerk_errors_schema(&self) -> Value {
        json!({ "$ref": "#/components/schemas/ClerkErrors" })
    }
}

/// Validation messages quote the whole failing instance; keep them readable.
fn shorten(message: &str) -> String {
    const MAX: usize = 300;
    match message.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &message[..i]),
        None => message.to_string(),
    }
}

fn compile(defs: &Value, schema: &Value) -> jsonschema::Validator {
    let mut defs = defs.as_object().unwrap().clone();
    defs.insert("__target".into(), to_json_schema(schema));
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$defs": defs,
        "$ref": "#/$defs/__target",
    });
    jsonschema::draft202012::new(&root).expect("converted schema compiles")
}

/// OpenAPI 3.0 schema -> JSON Schema 2020-12: `$ref`s point into `$defs`, `nullable: true`
/// becomes a null alternative, and OpenAPI-only keywords are dropped.
fn to_json_schema(schema: &Value) -> Value {
    let Some(obj) = schema.as_object() else {
        return schema.clone();
    };
    if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
        // In OpenAPI 3.0 siblings of $ref are ignored.
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected schema $ref {r}"));
        return json!({ "$ref": format!("#/$defs/{name}") });
    }
    let mut out = Map::new();
    for (key, value) in obj {
        match key.as_str() {
            "nullable" | "example" | "examples" | "deprecated" | "discriminator" | "xml"
            | "externalDocs" | "format" | "readOnly" | "writeOnly" => {}
            k if k.starts_with("x-") => {}
            "properties" | "patternProperties" => {
                let props = value.as_object().expect("properties is an object");
                out.insert(
                    key.clone(),
                    Value::Object(
                        props
                            .iter()
                            .map(|(k, v)| (k.clone(), to_json_schema(v)))
                            .collect(),
                    ),
                );
            }
            "items" | "not" | "additionalProperties" => {
                out.insert(key.clone(), to_json_schema(value));
            }
            "allOf" | "anyOf" | "oneOf" => {
                let list = value.as_array().expect("composition is an array");
                out.insert(
                    key.clone(),
                    Value::Array(list.iter().map(to_json_schema).collect()),
                );
            }
            "exclusiveMinimum" | "exclusiveMaximum" => {
                // OpenAPI 3.0 uses booleans that modify minimum/maximum.
                let bound = if key == "exclusiveMinimum" {
                    "minimum"
                } else {
                    "maximum"
                };
                if value == &Value::Bool(true)
                    && let Some(b) = obj.get(bound)
                {
                    out.insert(key.clone(), b.clone());
                }
            }
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    for (flag, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if obj.get(flag) == Some(&Value::Bool(true)) {
            out.remove(bound);
        }
    }
    let converted = Value::Object(out);
    if obj.get("nullable") == Some(&Value::Bool(true)) {
        json!({ "anyOf": [converted, { "type": "null" }] })
    } else {
        converted
    }
}

/// Property names a (converted-later) request schema declares, following refs and allOf.
fn declared_properties(spec: &Spec, schema: &Value, out: &mut Vec<String>) {
    let schema = spec.deref(schema);
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        out.extend(props.keys().cloned());
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        for sub in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            declared_properties(spec, sub, out);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Recording exchanges

#[derive(Debug, Clone)]
enum RequestBody {
    None,
    Form(Vec<(String, String)>),
    Json(Value),
    /// Sent as `application/json` exactly as written (for bodies that are not JSON).
    RawJson(String),
}

#[derive(Debug, Clone)]
struct Exchange {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    request: RequestBody,
    status: u16,
    content_type: String,
    body: Value,
    authorization: Option<String>,
    /// Sent on purpose with an invalid body (to provoke an error), so its values are not
    /// validated; its field names still must be declared.
    invalid_on_purpose: bool,
}

struct Flow {
    http: reqwest::Client,
    base: String,
    secret: String,
    device_token: Option<String>,
    exchanges: Vec<Exchange>,
}

impl Flow {
    async fn send(
        &mut self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        headers: &[(&str, &str)],
        body: RequestBody,
    ) -> Exchange {
        let url = reqwest::Url::parse_with_params(&format!("{}{path}", self.base), query).unwrap();
        let mut req = self.http.request(method.clone(), url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req = match &body {
            RequestBody::None => req,
            RequestBody::Form(pairs) => req.form(pairs),
            RequestBody::Json(v) => req.json(v),
            RequestBody::RawJson(text) => req
                .header("content-type", "application/json")
                .body(text.clone()),
        };
        let resp = req.send().await.expect("emulator answers");
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let authorization = resp
            .headers()
            .get("authorization")
            .map(|v| v.to_str().unwrap().to_string());
        let text = resp.text().await.unwrap();
        let exchange = Exchange {
            method,
            path: path.to_string(),
            query: query
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            request: body,
            status,
            content_type,
            body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
            authorization,
            invalid_on_purpose: false,
        };
        self.exchanges.push(exchange.clone());
        exchange
    }

    /// A native FAPI call carrying the stored device token.
    async fn fapi(
        &mut self,
        method: Method,
        path: &str,
        form: Option<&[(&str, &str)]>,
    ) -> Exchange {
        let token = self.device_token.clone();
        let mut headers = vec![("clerk-api-version", CLERK_API_VERSION), ("x-mobile", "1")];
        if let Some(t) = token.as_deref() {
            headers.push(("authorization", t));
        }
        let body = match form {
            Some(f) => RequestBody::Form(
                f.iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
            None => RequestBody::None,
        };
        let ex = self
            .send(method, path, &[("_is_native", "true")], &headers, body)
            .await;
        match ex.authorization.as_deref() {
            Some("") => self.device_token = None,
            Some(t) => self.device_token = Some(t.to_string()),
            None => {}
        }
        ex
    }

    async fn bapi(&mut self, path: &str, secret: Option<&str>, body: Option<Value>) -> Exchange {
        let body = body.map(RequestBody::Json).unwrap_or(RequestBody::None);
        self.bapi_call(Method::POST, path, secret, body).await
    }

    async fn bapi_call(
        &mut self,
        method: Method,
        path: &str,
        secret: Option<&str>,
        body: RequestBody,
    ) -> Exchange {
        let auth = secret.map(|s| format!("Bearer {s}"));
        let headers: Vec<(&str, &str)> =
            auth.iter().map(|a| ("authorization", a.as_str())).collect();
        self.send(method, path, &[], &headers, body).await
    }
}

async fn run_flow(emu: &Emulator) -> Vec<Exchange> {
    let mut f = Flow {
        http: {
            // See tests/common: a workspace build needs a TLS crypto provider installed.
            let _ = rustls::crypto::ring::default_provider().install_default();
            reqwest::Client::new()
        },
        base: emu.url().to_string(),
        secret: emu.secret_key().to_string(),
        device_token: None,
        exchanges: Vec::new(),
    };
    let secret = f.secret.clone();
    let sk = Some(secret.as_str());

    let ticket = f
        .bapi(
            "/v1/sign_in_tokens",
            sk,
            Some(json!({ "user_id": "user_conf", "expires_in_seconds": 600 })),
        )
        .await;
    assert_eq!(ticket.status, 200);
    let ticket = ticket.body["token"].as_str().unwrap().to_string();

    assert_eq!(f.fapi(Method::GET, "/v1/client", None).await.status, 200);
    let signed_in = f
        .fapi(
            Method::POST,
            "/v1/client/sign_ins",
            Some(&[("strategy", "ticket"), ("ticket", &ticket)]),
        )
        .await;
    assert_eq!(signed_in.status, 200);
    let sid = signed_in.body["response"]["created_session_id"]
        .as_str()
        .unwrap()
        .to_string();
    let client = f.fapi(Method::GET, "/v1/client", None).await;
    assert_eq!(client.status, 200);
    // The user objects carry memberships, so their schema is checked on real entries.
    assert_eq!(
        membership_orgs(&client.body["response"], &sid),
        ["org_conf"]
    );

    let tokens = format!("/v1/client/sessions/{sid}/tokens");
    assert_eq!(f.fapi(Method::POST, &tokens, Some(&[])).await.status, 200);
    assert_eq!(
        f.fapi(
            Method::POST,
            &tokens,
            Some(&[("organization_id", "org_conf")])
        )
        .await
        .status,
        200
    );
    assert_eq!(
        f.fapi(
            Method::POST,
            &tokens,
            Some(&[("organization_id", "org_not_joined")])
        )
        .await
        .status,
        403
    );
    assert_eq!(
        f.fapi(Method::POST, &format!("{tokens}/test"), None)
            .await
            .status,
        200
    );
    assert_eq!(
        f.send(
            Method::GET,
            "/.well-known/jwks.json",
            &[],
            &[],
            RequestBody::None
        )
        .await
        .status,
        200
    );

    for (secret, status) in [(sk, 200), (None, 401)] {
        let jwks = f
            .bapi_call(Method::GET, "/v1/jwks", secret, RequestBody::None)
            .await;
        assert_eq!(jwks.status, status);
    }

    let bapi_tokens = format!("/v1/sessions/{sid}/tokens");
    assert_eq!(f.bapi(&bapi_tokens, sk, None).await.status, 200);
    assert_eq!(
        f.bapi(&bapi_tokens, sk, Some(json!({ "expires_in_seconds": 120 })))
            .await
            .status,
        200
    );
    assert_eq!(
        f.bapi(&format!("{bapi_tokens}/test"), sk, None)
            .await
            .status,
        200
    );
    assert_eq!(
        f.bapi(
            &format!("{bapi_tokens}/firebase"),
            sk,
            Some(json!({ "expires_in_seconds": 300 }))
        )
        .await
        .status,
        200
    );

    // Error cases.
    assert_eq!(
        f.fapi(Method::POST, &format!("{tokens}/no_such_template"), None)
            .await
            .status,
        404
    );
    assert_eq!(
        f.fapi(
            Method::POST,
            "/v1/client/sessions/sess_unknown/tokens",
            Some(&[])
        )
        .await
        .status,
        404
    );
    assert_eq!(
        f.fapi(
            Method::POST,
            "/v1/client/sign_ins",
            Some(&[("strategy", "ticket"), ("ticket", "bogus")])
        )
        .await
        .status,
        422
    );
    assert_eq!(
        f.fapi(
            Method::POST,
            "/v1/client/sign_ins",
            Some(&[("strategy", "ticket")])
        )
        .await
        .status,
        422
    );
    assert_eq!(
        f.send(Method::GET, "/v1/client", &[], &[], RequestBody::None)
            .await
            .status,
        400
    );
    assert_eq!(
        f.bapi(
            "/v1/sign_in_tokens",
            Some("sk_test_wrong"),
            Some(json!({ "user_id": "u" }))
        )
        .await
        .status,
        401
    );
    assert_eq!(
        f.bapi(
            "/v1/sign_in_tokens",
            sk,
            Some(json!({ "user_id": "user_not_registered" }))
        )
        .await
        .status,
        404
    );
    assert_eq!(
        f.bapi("/v1/sign_in_tokens", sk, Some(json!({})))
            .await
            .status,
        422
    );
    f.exchanges.last_mut().unwrap().invalid_on_purpose = true;
    assert_eq!(f.bapi(&bapi_tokens, None, None).await.status, 401);
    let overflowing = json!({ "expires_in_seconds": i64::MAX });
    assert_eq!(
        f.bapi(&bapi_tokens, sk, Some(overflowing.clone()))
            .await
            .status,
        422
    );
    f.exchanges.last_mut().unwrap().invalid_on_purpose = true;
    let ticket_for_ever = json!({ "user_id": "user_conf", "expires_in_seconds": i64::MAX });
    assert_eq!(
        f.bapi("/v1/sign_in_tokens", sk, Some(ticket_for_ever))
            .await
            .status,
        422
    );
    let not_json = RequestBody::RawJson("{\"user_id\":".into());
    assert_eq!(
        f.bapi_call(Method::POST, "/v1/sign_in_tokens", sk, not_json)
            .await
            .status,
        400
    );
    assert_eq!(
        f.bapi("/v1/sessions/sess_unknown/tokens", sk, None)
            .await
            .status,
        404
    );
    assert_eq!(
        f.bapi(&format!("{bapi_tokens}/no_such_template"), sk, None)
            .await
            .status,
        404
    );

    // A second session, signed in to an organization, then revoked from the dashboard.
    let second = f
        .bapi(
            "/v1/sign_in_tokens",
            sk,
            Some(json!({ "user_id": "user_conf2", "org_id": "org_conf2" })),
        )
        .await;
    let second = second.body["token"].as_str().unwrap().to_string();
    let signed_in = f
        .fapi(
            Method::POST,
            "/v1/client/sign_ins",
            Some(&[("strategy", "ticket"), ("ticket", &second)]),
        )
        .await;
    let sid2 = signed_in.body["response"]["created_session_id"]
        .as_str()
        .unwrap()
        .to_string();
    let client = f.fapi(Method::GET, "/v1/client", None).await;
    assert_eq!(
        membership_orgs(&client.body["response"], &sid2),
        ["org_conf", "org_conf2"]
    );
    assert!(emu.revoke_session(&sid2));
    assert_eq!(
        f.fapi(
            Method::POST,
            &format!("/v1/client/sessions/{sid2}/tokens"),
            Some(&[])
        )
        .await
        .status,
        401
    );

    assert_eq!(
        f.fapi(
            Method::POST,
            &format!("/v1/client/sessions/{sid}/end"),
            None
        )
        .await
        .status,
        200
    );
    assert_eq!(f.fapi(Method::POST, &tokens, Some(&[])).await.status, 401);
    assert_eq!(
        f.fapi(Method::POST, &format!("{tokens}/test"), None)
            .await
            .status,
        401
    );
    assert_eq!(
        f.fapi(Method::POST, "/v1/client/sessions/sess_unknown/end", None)
            .await
            .status,
        404
    );

    // Signed out: no device token.
    f.device_token = None;
    assert_eq!(f.fapi(Method::POST, &tokens, Some(&[])).await.status, 401);
    assert_eq!(f.fapi(Method::GET, "/v1/client", None).await.status, 200);
    f.exchanges
}

// ---------------------------------------------------------------------------------------------
// Checking exchanges

struct Checker {
    fapi: Spec,
    bapi: Spec,
}

impl Checker {
    fn load() -> Self {
        Checker {
            fapi: Spec::load(FAPI_SPEC, ""),
            bapi: Spec::load(BAPI_SPEC, "/v1"),
        }
    }

    fn spec_for(&mut self, path: &str) -> &mut Spec {
        if path.starts_with("/v1/client") || path.starts_with("/.well-known/") {
            &mut self.fapi
        } else {
            &mut self.bapi
        }
    }

    /// The spec's verdict on one exchange: a list of violations (empty when conformant).
    fn check(&mut self, ex: &Exchange) -> Vec<String> {
        let spec = self.spec_for(&ex.path);
        let mut problems = Vec::new();
        let Some(template) = spec.find_path(&ex.path) else {
            return vec![format!(
                "{}: path {} is not in the spec",
                spec.name, ex.path
            )];
        };
        let method = ex.method.as_str().to_ascii_lowercase();
        let Some(operation) = spec.doc["paths"][&template].get(&method).cloned() else {
            return vec![format!(
                "{}: {} {template} is not in the spec",
                spec.name, ex.method
            )];
        };
        let op_id = operation["operationId"].as_str().unwrap_or("?").to_string();
        let label = format!("{op_id} ({} {})", ex.method, ex.path);

        // Query parameters: declared on the operation/path, or a query security scheme.
        let mut known_query: Vec<String> = Vec::new();
        for params in [
            &operation["parameters"],
            &spec.doc["paths"][&template]["parameters"],
        ] {
            for p in params.as_array().into_iter().flatten() {
                let p = spec.deref(p);
                if p["in"] == "query" {
                    known_query.push(p["name"].as_str().unwrap_or_default().to_string());
                }
            }
        }
        for scheme in spec.doc["components"]["securitySchemes"]
            .as_object()
            .into_iter()
            .flat_map(|m| m.values())
        {
            if scheme["type"] == "apiKey" && scheme["in"] == "query" {
                known_query.push(scheme["name"].as_str().unwrap_or_default().to_string());
            }
        }
        for (k, _) in &ex.query {
            if !known_query.contains(k) {
                problems.push(format!("{label}: query parameter `{k}` is not declared"));
            }
        }

        // Request body fields.
        let (media, fields, json_body) = match &ex.request {
            RequestBody::None | RequestBody::RawJson(_) => (None, Vec::new(), None),
            RequestBody::Form(pairs) => (
                Some("application/x-www-form-urlencoded"),
                pairs.iter().map(|(k, _)| k.clone()).collect(),
                None,
            ),
            RequestBody::Json(v) => (
                Some("application/json"),
                v.as_object()
                    .map(|o| o.keys().cloned().collect())
                    .unwrap_or_default(),
                Some(v.clone()),
            ),
        };
        if let Some(media) = media {
            let body_schema = operation
                .get("requestBody")
                .map(|rb| spec.deref(rb).clone())
                .and_then(|rb| rb["content"].get(media).map(|c| c["schema"].clone()));
            match body_schema {
                None if fields.is_empty() => {}
                None => problems.push(format!(
                    "{label}: sends a {media} body but the operation declares none"
                )),
                Some(schema) => {
                    let mut declared = Vec::new();
                    declared_properties(spec, &schema, &mut declared);
                    for field in &fields {
                        if !declared.contains(field) {
                            problems
                                .push(format!("{label}: request field `{field}` is not declared"));
                        }
                    }
                    if let Some(v) = json_body.filter(|_| !ex.invalid_on_purpose) {
                        for e in spec.validate(&format!("req {op_id}"), &schema, &v) {
                            problems.push(format!("{label}: request body: {e}"));
                        }
                    }
                }
            }
        }

        // Response body against the schema for its status.
        let responses = &operation["responses"];
        let declared = responses
            .get(ex.status.to_string())
            .or_else(|| responses.get("default"))
            .cloned();
        let schema = match declared {
            Some(resp) => {
                let resp = spec.deref(&resp).clone();
                match resp["content"].get("application/json") {
                    Some(c) => Some(c["schema"].clone()),
                    None => {
                        problems.push(format!(
                            "{label}: status {} declares no JSON body",
                            ex.status
                        ));
                        None
                    }
                }
            }
            None if ex.status >= 400
                && UNDECLARED_ERROR_STATUSES.contains(&(op_id.as_str(), ex.status)) =>
            {
                Some(spec.clerk_errors_schema())
            }
            None => {
                problems.push(format!("{label}: status {} is not declared", ex.status));
                None
            }
        };
        if let Some(schema) = schema {
            if !ex.content_type.starts_with("application/json") {
                problems.push(format!(
                    "{label}: content type {:?} is not JSON",
                    ex.content_type
                ));
            }
            for e in spec.validate(&format!("resp {op_id} {}", ex.status), &schema, &ex.body) {
                problems.push(format!("{label}: response {}: {e}", ex.status));
            }
        }
        problems
    }
}

/// The organizations the user of session `sid` belongs to, as the client lists them.
fn membership_orgs(client: &Value, sid: &str) -> Vec<String> {
    let session = client["sessions"]
        .as_array()
        .and_then(|all| all.iter().find(|s| s["id"] == sid))
        .unwrap_or_else(|| panic!("session {sid} in {client}"));
    session["user"]["organization_memberships"]
        .as_array()
        .expect("organization_memberships")
        .iter()
        .map(|m| m["organization"]["id"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// The flow's first user belongs to `org_conf`; the second is a user of the instance with a
/// membership of its own in `org_conf2` and in `org_conf`.
async fn conformance_emulator() -> Emulator {
    let config = EmulatorConfig {
        users: vec![
            User::new("user_conf2")
                .membership(Membership::new("org_conf", "org:member"))
                .membership(
                    Membership::new("org_conf2", "org:billing_manager")
                        .slug("conf-two")
                        .name("Conformance Two"),
                ),
        ],
        organizations: vec![Organization::new("org_conf", "conf").member("user_conf", "org:admin")],
        ..EmulatorConfig::default()
    };
    Emulator::start(config).await.unwrap()
}

#[tokio::test]
async fn emulator_traffic_conforms_to_the_clerk_openapi_specs() {
    let mut checker = Checker::load();
    let emu = conformance_emulator().await;
    let exchanges = run_flow(&emu).await;

    let mut problems = Vec::new();
    let mut statuses = BTreeMap::<String, Vec<u16>>::new();
    for ex in &exchanges {
        problems.extend(checker.check(ex));
        statuses
            .entry(format!("{} {}", ex.method, ex.path))
            .or_default()
            .push(ex.status);
    }
    assert!(
        problems.is_empty(),
        "spec violations:\n{}",
        problems.join("\n")
    );

    // The flow exercised each emulated operation with successes and errors.
    let seen = |status: u16| exchanges.iter().filter(|e| e.status == status).count();
    assert!(
        seen(200) >= 12 && seen(401) >= 4 && seen(404) >= 4 && seen(422) >= 3 && seen(400) >= 1,
        "{statuses:#?}"
    );

    // The server's own log agrees: every request it saw maps to a spec operation.
    for logged in emu.requests() {
        let spec = checker.spec_for(&logged.path);
        let template = spec
            .find_path(&logged.path)
            .unwrap_or_else(|| panic!("{} not in spec", logged.path));
        assert!(
            spec.doc["paths"][&template]
                .get(logged.method.to_ascii_lowercase())
                .is_some()
        );
    }
    assert_eq!(emu.requests().len(), exchanges.len());
}

#[tokio::test]
async fn the_checker_rejects_wrong_shapes() {
    let mut checker = Checker::load();
    let emu = conformance_emulator().await;
    let exchanges = run_flow(&emu).await;
    let sign_in = exchanges
        .iter()
        .find(|e| e.path == "/v1/client/sign_ins" && e.status == 200)
        .expect("a successful sign-in")
        .clone();
    assert!(checker.check(&sign_in).is_empty());

    let mut wrong = |mutate: &dyn Fn(&mut Exchange)| {
        let mut ex = sign_in.clone();
        mutate(&mut ex);
        checker.check(&ex)
    };
    assert!(
        !wrong(&|e| e.body["response"]["status"] = json!("finished")).is_empty(),
        "bad enum value"
    );
    assert!(
        !wrong(&|e| {
            e.body["client"].as_object_mut().unwrap().remove("sessions");
        })
        .is_empty(),
        "missing required"
    );
    assert!(
        !wrong(&|e| e.body["client"]["sessions"][0]["last_active_token"]["jwt"] = json!(5))
            .is_empty(),
        "wrong type"
    );
    assert!(
        !wrong(&|e| e.body["response"]["unexpected"] = json!(true)).is_empty(),
        "additionalProperties: false"
    );
    assert!(
        !wrong(&|e| e.body = json!({ "response": null, "client": null })).is_empty(),
        "null where not nullable"
    );
    assert!(!wrong(&|e| e.status = 418).is_empty(), "undeclared status");
    assert!(
        !wrong(&|e| e.path = "/v1/client/sign_outs".into()).is_empty(),
        "unknown path"
    );
    assert!(
        !wrong(&|e| e.request = RequestBody::Form(vec![
            ("strategy".into(), "ticket".into()),
            ("colour".into(), "red".into())
        ]))
        .is_empty(),
        "undeclared form field"
    );
    let membership = "/client/sessions/0/user/organization_memberships/0";
    assert!(
        sign_in.body.pointer(membership).is_some(),
        "the sign-in's client lists a membership"
    );
    assert!(
        !wrong(&|e| {
            let m = e.body.pointer_mut(membership).unwrap();
            m["organization"]["unexpected"] = json!(true);
        })
        .is_empty(),
        "an organization has no other properties"
    );
    assert!(
        !wrong(&|e| {
            let m = e.body.pointer_mut(membership).unwrap();
            m.as_object_mut().unwrap().remove("role_name");
        })
        .is_empty(),
        "a membership needs its role name"
    );
    assert!(
        !wrong(&|e| {
            let m = e.body.pointer_mut(membership).unwrap();
            m["organization"]["max_allowed_memberships"] = json!("none");
        })
        .is_empty(),
        "wrong type inside the organization"
    );
    // Nullable still allows null where the spec says so.
    assert!(wrong(&|e| e.body["client"]["last_active_session_id"] = Value::Null).is_empty());

    let token = exchanges
        .iter()
        .find(|e| e.path.ends_with("/tokens") && e.status == 200)
        .unwrap()
        .clone();
    let mut bad_token = token.clone();
    bad_token.body = json!({ "object": "token", "jwt": 123 });
    assert!(!checker.check(&bad_token).is_empty());
    let mut bad_error = exchanges.iter().find(|e| e.status == 404).unwrap().clone();
    bad_error.body = json!({ "errors": [{ "code": "x" }] });
    assert!(
        !checker.check(&bad_error).is_empty(),
        "ClerkError requires message and long_message"
    );
    let mut bad_bapi = exchanges
        .iter()
        .find(|e| e.path == "/v1/sign_in_tokens" && e.status == 200)
        .unwrap()
        .clone();
    bad_bapi.request = RequestBody::Json(json!({ "user_id": 7 }));
    assert!(
        !checker.check(&bad_bapi).is_empty(),
        "request JSON is validated too"
    );
}
