//! The AWS configuration of a binary, from its environment alone: the variables Lambda sets
//! (`AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`) and the
//! endpoint overrides the tests and the demo set (`AWS_ENDPOINT_URL`,
//! `AWS_ENDPOINT_URL_<SERVICE>`). Not `aws-config`'s chain: its profiles, instance metadata,
//! SSO and STS web-identity providers are code the functions never run (BENCHMARKS.md, "Lambda
//! size"). One HTTP client for every service, rustls on ring: the functions' one TLS stack and
//! crypto provider.

use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_dynamodb::config::BehaviorVersion;
use aws_types::SdkConfig;
use aws_types::region::Region;
use aws_types::service_config::{LoadServiceConfig, ServiceConfigKey};

/// Builds the configuration from the process's environment. Call it once per process.
pub fn sdk_config() -> Result<SdkConfig, String> {
    sdk_config_from(|name| std::env::var(name).ok())
}

/// [`sdk_config`] with the environment given as a lookup.
fn sdk_config_from(
    var: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
) -> Result<SdkConfig, String> {
    let var = Environment(Box::new(var));
    let set = |name: &str| var.get(name);
    let region = set("AWS_REGION")
        .or_else(|| set("AWS_DEFAULT_REGION"))
        .ok_or("AWS_REGION is not set")?;
    let key = set("AWS_ACCESS_KEY_ID").ok_or("AWS_ACCESS_KEY_ID is not set")?;
    let secret = set("AWS_SECRET_ACCESS_KEY").ok_or("AWS_SECRET_ACCESS_KEY is not set")?;
    let credentials = Credentials::new(key, secret, set("AWS_SESSION_TOKEN"), None, "environment");
    use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
    let http_client = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https();
    // Endpoints: each client asks `var` (`AWS_ENDPOINT_URL_<SERVICE>`, else `AWS_ENDPOINT_URL`).
    Ok(SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region))
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .http_client(http_client)
        .service_config(var)
        .build())
}

/// The environment, empty values as unset. Each client also reads its service's own settings
/// from it, as the SDK's environment loader names them: `<KEY>_<SERVICE>` (the service id in
/// upper case, spaces as `_`: `AWS_ENDPOINT_URL_DYNAMODB`), else `<KEY>`. No profile file is
/// read.
struct Environment(Box<Lookup>);

/// A variable's value by its name.
type Lookup = dyn Fn(&str) -> Option<String> + Send + Sync;

impl Environment {
    fn get(&self, name: &str) -> Option<String> {
        (self.0)(name).filter(|v| !v.trim().is_empty())
    }
}

impl std::fmt::Debug for Environment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Environment")
    }
}

impl LoadServiceConfig for Environment {
    fn load_config(&self, key: ServiceConfigKey<'_>) -> Option<String> {
        let service = key.service_id().to_ascii_uppercase().replace(' ', "_");
        self.get(&format!("{}_{service}", key.env()))
            .or_else(|| self.get(key.env()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(vars: &[(&str, &str)]) -> Result<SdkConfig, String> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        sdk_config_from(move |name| vars.get(name).cloned())
    }

    const LAMBDA: [(&str, &str); 4] = [
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "secret"),
        ("AWS_SESSION_TOKEN", "token"),
    ];

    #[test]
    fn lambda_s_variables_make_the_configuration() {
        let config = load(&LAMBDA).unwrap();
        assert_eq!(config.region().map(|r| r.as_ref()), Some("us-east-1"));
        assert!(config.credentials_provider().is_some());
        assert_eq!(config.endpoint_url(), None);
        let dynamodb = aws_sdk_dynamodb::config::Builder::from(&config).build();
        assert_eq!(dynamodb.region().map(|r| r.as_ref()), Some("us-east-1"));
    }

    #[test]
    fn a_service_s_endpoint_is_its_own() {
        let mut vars = LAMBDA.to_vec();
        vars.push(("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000"));
        vars.push(("AWS_ENDPOINT_URL_SNS", "http://127.0.0.1:5000"));
        let config = load(&vars).unwrap();
        let key = |service| {
            ServiceConfigKey::builder()
                .service_id(service)
                .profile("endpoint_url")
                .env("AWS_ENDPOINT_URL")
                .build()
                .unwrap()
        };
        let services = config.service_config().unwrap();
        assert_eq!(
            services.load_config(key("DynamoDB")).as_deref(),
            Some("http://127.0.0.1:8000")
        );
        assert_eq!(
            services.load_config(key("SNS")).as_deref(),
            Some("http://127.0.0.1:5000")
        );
        assert_eq!(services.load_config(key("SQS")), None);
        vars.push(("AWS_ENDPOINT_URL", "http://127.0.0.1:9000"));
        let config = load(&vars).unwrap();
        let services = config.service_config().unwrap();
        assert_eq!(
            services.load_config(key("SQS")).as_deref(),
            Some("http://127.0.0.1:9000")
        );
    }

    #[test]
    fn a_missing_region_or_key_is_named() {
        assert_eq!(load(&LAMBDA[1..]).unwrap_err(), "AWS_REGION is not set");
        assert_eq!(
            load(&[LAMBDA[0], LAMBDA[2]]).unwrap_err(),
            "AWS_ACCESS_KEY_ID is not set"
        );
        assert_eq!(
            load(&LAMBDA[..2]).unwrap_err(),
            "AWS_SECRET_ACCESS_KEY is not set"
        );
        let mut default_region = LAMBDA[1..].to_vec();
        default_region.push(("AWS_DEFAULT_REGION", "eu-west-1"));
        assert!(load(&default_region).is_ok());
    }
}
