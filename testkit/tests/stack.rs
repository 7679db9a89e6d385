//! What the stack promises its operators, read from `template.yaml` as deployed (AWS cannot be
//! reached from a test): TLS 1.2 at the least on a domain of its own, every request logged
//! with the logs expiring, and a site deploy that can be rolled back.

use serde_json::Value;
use testkit::template::Template;

/// Resources stand for their logical names (`!Ref X` is `X`, `!GetAtt X.Arn` is `X.Arn`).
fn names(name: &str) -> Option<String> {
    Some(name.to_string())
}

fn property(template: &Template, resource: &str, name: &str) -> Value {
    template
        .property_with(resource, name, &[], &names)
        .unwrap_or_else(|| panic!("{resource}.{name}"))
}

/// The log group a `!GetAtt X.Arn` names, checked to be one of the template's, with a
/// retention.
fn log_group_of(template: &Template, arn: &Value) -> String {
    let group = arn
        .as_str()
        .and_then(|a| a.strip_suffix(".Arn"))
        .unwrap_or_else(|| panic!("{arn}: not a log group of the template"))
        .to_string();
    assert!(
        template
            .resources_of_type("AWS::Logs::LogGroup")
            .contains(&group),
        "{group}: not a log group"
    );
    let retention = property(template, &group, "RetentionInDays");
    assert!(
        retention.as_str().is_some_and(|d| d.parse::<u32>().is_ok()) || retention.is_number(),
        "{group} keeps its logs for ever"
    );
    group
}

#[test]
fn a_domain_of_its_own_is_served_with_tls_1_2_at_the_least() {
    let template = Template::load();
    let domain = [
        ("DomainName", "covid.example.org"),
        (
            "CertificateArn",
            "arn:aws:acm:us-east-1:123456789012:certificate/0123-abcd",
        ),
    ];
    let config = template
        .property_with("Distribution", "DistributionConfig", &domain, &names)
        .unwrap();
    let certificate = &config["ViewerCertificate"];
    assert_eq!(certificate["MinimumProtocolVersion"], "TLSv1.2_2021");
    assert_eq!(certificate["SslSupportMethod"], "sni-only");
    assert_eq!(certificate["AcmCertificateArn"], domain[1].1);
    assert_eq!(config["Aliases"], serde_json::json!(["covid.example.org"]));
    // Without one: CloudFront's own name and certificate (which admits TLS 1.0, README).
    let config = property(&template, "Distribution", "DistributionConfig");
    assert_eq!(
        config["ViewerCertificate"]["CloudFrontDefaultCertificate"],
        true
    );
    assert!(config.get("Aliases").is_none());
}

#[test]
fn every_request_is_logged_at_the_edge_and_at_the_api_and_the_logs_expire() {
    let template = Template::load();
    // API Gateway: one JSON line a request.
    let settings = property(&template, "HttpApi", "AccessLogSettings");
    log_group_of(&template, &settings["DestinationArn"]);
    let format = settings["Format"].as_str().unwrap();
    let line: Value = serde_json::from_str(&format.replace('$', "")).expect("a JSON line");
    for field in ["requestId", "status", "path"] {
        assert!(line.get(field).is_some(), "the access log has no {field}");
    }
    // CloudFront: the distribution's access logs delivered to a log group.
    let sources: Vec<String> = template
        .resources_of_type("AWS::Logs::DeliverySource")
        .into_iter()
        .filter(|s| {
            property(&template, s, "ResourceArn")
                .as_str()
                .is_some_and(|a| a.ends_with(":distribution/Distribution"))
                && property(&template, s, "LogType") == "ACCESS_LOGS"
        })
        .collect();
    assert_eq!(
        sources.len(),
        1,
        "the distribution's access logs: {sources:?}"
    );
    let delivered = template
        .resources_of_type("AWS::Logs::Delivery")
        .into_iter()
        .find(|d| property(&template, d, "DeliverySourceName") == sources[0].as_str())
        .expect("a delivery of the distribution's access logs");
    let destination = property(&template, &delivered, "DeliveryDestinationArn");
    let destination = destination.as_str().unwrap().strip_suffix(".Arn").unwrap();
    log_group_of(
        &template,
        &property(&template, destination, "DestinationResourceArn"),
    );
}

#[test]
fn a_bad_site_deploy_can_be_rolled_back() {
    let template = Template::load();
    let versioning = property(&template, "SiteBucket", "VersioningConfiguration");
    assert_eq!(versioning["Status"], "Enabled");
    // The earlier versions expire, so the bucket does not grow for ever.
    let rules = property(&template, "SiteBucket", "LifecycleConfiguration")["Rules"].clone();
    assert!(
        rules
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["Status"] == "Enabled"
                && r["NoncurrentVersionExpiration"]["NoncurrentDays"]
                    .as_u64()
                    .is_some_and(|d| d >= 7)),
        "{rules}"
    );
}
