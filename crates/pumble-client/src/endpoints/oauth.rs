//! The OAuth code exchange (pumble-protocol.md §6.3).

use crate::call::{Auth, Call, Payload};
use crate::client::PumbleClient;
use crate::credentials::{AuthorizationCode, ClientSecret};
use crate::error::ClientError;
use crate::multipart::encode_form;
use crate::types::OAuthTokens;

impl PumbleClient {
    /// Exchanges the code from the install redirect for tokens
    /// (`POST /oauth2/access`, a `multipart/form-data` body with `client-id`,
    /// `client-secret` and `code`; no `token` or `x-app-token` header).
    ///
    /// `client_id` is the app id (manifest `id`). Never retried: a code is
    /// good for one exchange.
    pub fn exchange_oauth_code(
        &self,
        client_id: &str,
        client_secret: &ClientSecret,
        code: &AuthorizationCode,
    ) -> Result<OAuthTokens, ClientError> {
        if client_id.is_empty() {
            return Err(ClientError::InvalidArgument("client id"));
        }
        if code.expose_secret().is_empty() {
            return Err(ClientError::InvalidArgument("authorization code"));
        }
        let form = encode_form(&[
            ("client-id", client_id),
            ("client-secret", client_secret.expose_secret()),
            ("code", code.expose_secret()),
        ]);
        self.execute_json(Call {
            endpoint: "exchange_oauth_code",
            path: "/oauth2/access".to_owned(),
            auth: Auth::None,
            payload: Payload::PostForm(form),
            sensitive: vec![client_secret.expose_secret(), code.expose_secret()],
            carries_content: false,
        })
    }
}
