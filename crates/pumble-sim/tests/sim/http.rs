//! A plain ureq client for talking to the simulator like an app would.

use std::time::Duration;

use pumble_sim::Simulator;
use serde_json::Value;

/// An answer: status, parsed JSON (Null if not JSON) and a few headers.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub json: Value,
    pub retry_after: Option<String>,
    pub content_type: Option<String>,
}

/// A client with the app key preset, like the SDK's axios instance.
pub struct Http {
    agent: ureq::Agent,
    base: String,
    pub app_key: String,
}

impl Http {
    pub fn new(sim: &Simulator) -> Http {
        Http::with_timeout(sim, Duration::from_secs(5))
    }

    pub fn with_timeout(sim: &Simulator, timeout: Duration) -> Http {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .proxy(None)
            .build()
            .into();
        Http {
            agent,
            base: sim.base_url(),
            app_key: sim.app().app_key,
        }
    }

    pub fn get(&self, path: &str, token: &str) -> Result<Reply, ureq::Error> {
        let req = self
            .agent
            .get(format!("{}{path}", self.base))
            .header("token", token)
            .header("x-app-token", &self.app_key);
        req.call().map(read)
    }

    pub fn post(&self, path: &str, token: &str, body: &Value) -> Result<Reply, ureq::Error> {
        self.post_raw(
            path,
            &[("token", token)],
            "application/json",
            body.to_string().into_bytes(),
        )
    }

    /// POST with the app key plus the given headers.
    pub fn post_raw(
        &self,
        path: &str,
        headers: &[(&str, &str)],
        content_type: &str,
        body: Vec<u8>,
    ) -> Result<Reply, ureq::Error> {
        let mut req = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("x-app-token", &self.app_key)
            .header("content-type", content_type);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.send(&body[..]).map(read)
    }

    /// GET with exactly the given headers (no app key unless listed).
    pub fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Result<Reply, ureq::Error> {
        let mut req = self.agent.get(format!("{}{path}", self.base));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.call().map(read)
    }

    /// POST a multipart body without the app key (the token exchange).
    pub fn post_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> Result<Reply, ureq::Error> {
        let boundary = "----simtestboundary7MA4YWxk";
        let mut body = String::new();
        for (name, value) in fields {
            body.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            ));
        }
        body.push_str(&format!("--{boundary}--\r\n"));
        self.agent
            .post(format!("{}{path}", self.base))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .send(body.as_bytes())
            .map(read)
    }
}

fn read(mut resp: ureq::http::Response<ureq::Body>) -> Reply {
    let status = resp.status().as_u16();
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let retry_after = header("retry-after");
    let content_type = header("content-type");
    let text = resp.body_mut().read_to_string().unwrap_or_default();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply {
        status,
        json,
        retry_after,
        content_type,
    }
}

/// A shared fixture, parsed.
pub fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("fixture file is checked in");
    serde_json::from_str(&text).expect("fixtures are valid JSON")
}

/// Asserts that every key of `expected` (recursively, through objects and the
/// first element of arrays) exists in `actual` with the same JSON type.
pub fn assert_same_shape(expected: &Value, actual: &Value, at: &str) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (key, ev) in e {
                let av = a
                    .get(key)
                    .unwrap_or_else(|| panic!("missing field {at}.{key} in {actual}"));
                assert_same_shape(ev, av, &format!("{at}.{key}"));
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if let (Some(ef), Some(af)) = (e.first(), a.first()) {
                assert_same_shape(ef, af, &format!("{at}[0]"));
            }
        }
        (Value::Null, _) => {}
        (e, a) => assert_eq!(
            std::mem::discriminant(e),
            std::mem::discriminant(a),
            "type of {at} differs: expected like {e}, got {a}"
        ),
    }
}

/// Asserts that `actual` has no key outside `allowed` (top level of an object).
pub fn assert_keys_within(actual: &Value, allowed: &[&str], what: &str) {
    let obj = actual
        .as_object()
        .unwrap_or_else(|| panic!("{what} is not an object"));
    for key in obj.keys() {
        assert!(
            allowed.contains(&key.as_str()),
            "{what} has unexpected key {key}"
        );
    }
}
