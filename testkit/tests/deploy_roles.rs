//! The deploy reaches only its own stack: CloudFormation's execution role in
//! `deploy/bootstrap.yaml`, judged by the IAM gate's evaluator, may make every resource
//! `template.yaml` declares (under the name it gets), and nothing of another workload in the
//! account: no secret, table, function, bucket, topic, queue, log, rule, alarm, web ACL or API.

use testkit::iam::{Ask, Statement, evaluate};
use testkit::template::Template;

const ACCOUNT: &str = "123456789012";
const REGION: &str = "us-east-1";
const STACK: &str = "covid-us";

fn execution_role() -> Vec<Statement> {
    let bootstrap = Template::load_file("deploy/bootstrap.yaml");
    let stand_ins = |name: &str| -> Option<String> {
        Some(match name {
            "AWS::Partition" => "aws".to_string(),
            "AWS::Region" => REGION.to_string(),
            "AWS::AccountId" => ACCOUNT.to_string(),
            "FunctionBoundary" => format!("arn:aws:iam::{ACCOUNT}:policy/boundary"),
            _ => return None,
        })
    };
    let policies = bootstrap
        .property_with(
            "ExecutionRole",
            "Policies",
            &[("StackName", STACK)],
            &stand_ins,
        )
        .unwrap();
    policies
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| Statement::parse_document(&p["PolicyDocument"]))
        .collect()
}

fn allowed(statements: &[Statement], action: &str, resource: &str) -> bool {
    evaluate(statements, &Ask::new(action, resource)).allowed()
}

/// What CloudFormation names a resource the template leaves unnamed: `<stack>-<LogicalId>-`
/// and a random suffix.
fn generated(logical: &str) -> String {
    format!("{STACK}-{logical}-1A2B3C4D5E6F")
}

fn arn(service: &str, rest: &str) -> String {
    format!("arn:aws:{service}:{REGION}:{ACCOUNT}:{rest}")
}

fn global(service: &str, rest: &str) -> String {
    format!("arn:aws:{service}::{ACCOUNT}:{rest}")
}

/// For a resource the template declares, one action CloudFormation takes to make it, on the
/// ARN it gets. A type not listed here fails the test until it is.
fn creates(logical: &str, kind: &str, template: &Template) -> Option<(&'static str, String)> {
    let stand_ins = |name: &str| -> Option<String> {
        Some(match name {
            "AWS::StackName" => STACK.to_string(),
            "AWS::Partition" => "aws".to_string(),
            "AWS::Region" => REGION.to_string(),
            "AWS::AccountId" => ACCOUNT.to_string(),
            other => other.to_string(),
        })
    };
    // The name the template gives it, else the one CloudFormation generates.
    let named = |property: &str| -> String {
        match template.raw_property(logical, property) {
            Some(_) => template
                .property_with(logical, property, &[], &stand_ins)
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap(),
            None => generated(logical),
        }
    };
    Some(match kind {
        "AWS::Serverless::Function" => (
            "lambda:CreateFunction",
            arn("lambda", &format!("function:{}", named("FunctionName"))),
        ),
        "AWS::Serverless::StateMachine" => (
            "states:CreateStateMachine",
            arn("states", &format!("stateMachine:{}", named("Name"))),
        ),
        "AWS::DynamoDB::Table" => (
            "dynamodb:CreateTable",
            arn("dynamodb", &format!("table/{}", named("TableName"))),
        ),
        "AWS::SNS::Topic" => ("sns:CreateTopic", arn("sns", &named("TopicName"))),
        "AWS::SQS::Queue" => ("sqs:CreateQueue", arn("sqs", &named("QueueName"))),
        "AWS::S3::Bucket" => (
            "s3:CreateBucket",
            format!("arn:aws:s3:::{}", named("BucketName").to_lowercase()),
        ),
        "AWS::SecretsManager::Secret" => (
            "secretsmanager:CreateSecret",
            arn(
                "secretsmanager",
                &format!("secret:{}-AbCdEf", named("Name")),
            ),
        ),
        "AWS::Logs::LogGroup" => (
            "logs:CreateLogGroup",
            arn("logs", &format!("log-group:{}", named("LogGroupName"))),
        ),
        "AWS::Logs::DeliverySource" => (
            "logs:PutDeliverySource",
            arn("logs", &format!("delivery-source:{}", named("Name"))),
        ),
        "AWS::Logs::DeliveryDestination" => (
            "logs:PutDeliveryDestination",
            arn("logs", &format!("delivery-destination:{}", named("Name"))),
        ),
        "AWS::Logs::Delivery" => ("logs:CreateDelivery", "*".to_string()),
        // On the API's log group (SubscriptionCeilingMetric).
        "AWS::Logs::MetricFilter" => (
            "logs:PutMetricFilter",
            arn("logs", &format!("log-group:/aws/lambda/{STACK}-api")),
        ),
        "AWS::CloudWatch::Alarm" => (
            "cloudwatch:PutMetricAlarm",
            arn("cloudwatch", &format!("alarm:{}", named("AlarmName"))),
        ),
        // A CloudFront web ACL lives in us-east-1 (the template's rule keeps the stack there).
        "AWS::WAFv2::WebACL" => (
            "wafv2:CreateWebACL",
            arn(
                "wafv2",
                &format!("global/webacl/{}/0123-abcd", named("Name")),
            ),
        ),
        "AWS::Serverless::HttpApi" => (
            "apigateway:POST",
            format!("arn:aws:apigateway:{REGION}::/apis"),
        ),
        "AWS::CloudFront::Distribution" => (
            "cloudfront:CreateDistribution",
            global("cloudfront", "distribution/E1ABCDEF"),
        ),
        "AWS::CloudFront::CachePolicy" => (
            "cloudfront:CreateCachePolicy",
            global("cloudfront", "cache-policy/0123-abcd"),
        ),
        "AWS::CloudFront::OriginRequestPolicy" => (
            "cloudfront:CreateOriginRequestPolicy",
            global("cloudfront", "origin-request-policy/0123-abcd"),
        ),
        "AWS::CloudFront::ResponseHeadersPolicy" => (
            "cloudfront:CreateResponseHeadersPolicy",
            global("cloudfront", "response-headers-policy/0123-abcd"),
        ),
        "AWS::CloudFront::OriginAccessControl" => (
            "cloudfront:CreateOriginAccessControl",
            global("cloudfront", "origin-access-control/0123-abcd"),
        ),
        // Made on their topic or bucket, above.
        "AWS::SNS::TopicPolicy" | "AWS::SNS::Subscription" | "AWS::S3::BucketPolicy" => {
            return None;
        }
        other => panic!(
            "{logical}: the test does not know what CloudFormation asks to make a {other}; \
             teach it, and scope the execution role to it"
        ),
    })
}

#[test]
fn the_execution_role_may_make_every_resource_of_the_stack() {
    let role = execution_role();
    let template = Template::load();
    for (logical, kind) in template.resources() {
        if let Some((action, resource)) = creates(&logical, &kind, &template) {
            assert!(
                allowed(&role, action, &resource),
                "{logical} ({kind}): the deploy may not {action} on {resource}"
            );
        }
    }
    // What SAM makes of the functions' events: the ETL's schedule rule.
    let rule = arn("events", &format!("rule/{}", generated("EtlFunctionDaily")));
    assert!(allowed(&role, "events:PutRule", &rule));
}

#[test]
fn the_execution_role_reaches_nothing_of_another_workload() {
    let role = execution_role();
    let foreign = [
        (
            "secretsmanager:GetSecretValue",
            arn("secretsmanager", "secret:prod/db-password-AbCdEf"),
        ),
        ("dynamodb:Scan", arn("dynamodb", "table/payments")),
        (
            "dynamodb:DeleteTable",
            arn("dynamodb", "table/other-stack-Table-1A2B"),
        ),
        (
            "lambda:UpdateFunctionCode",
            arn("lambda", "function:billing"),
        ),
        ("lambda:AddPermission", arn("lambda", "function:other-api")),
        (
            "states:StartExecution",
            arn("states", "stateMachine:nightly-billing"),
        ),
        (
            "s3:GetObject",
            "arn:aws:s3:::company-backups/db.dump".into(),
        ),
        ("s3:PutBucketPolicy", "arn:aws:s3:::company-backups".into()),
        ("sns:Subscribe", arn("sns", "billing-alerts")),
        ("sqs:ReceiveMessage", arn("sqs", "orders")),
        (
            "logs:GetLogEvents",
            arn("logs", "log-group:/aws/lambda/billing:log-stream:x"),
        ),
        (
            "logs:DeleteLogGroup",
            arn("logs", "log-group:/aws/lambda/billing"),
        ),
        ("events:PutTargets", arn("events", "rule/nightly-billing")),
        (
            "cloudwatch:DeleteAlarms",
            arn("cloudwatch", "alarm:billing-errors"),
        ),
        (
            "wafv2:UpdateWebACL",
            arn("wafv2", "global/webacl/corp/0123"),
        ),
        (
            "apigateway:DELETE",
            format!("arn:aws:apigateway:{REGION}::/restapis/abc123"),
        ),
        (
            "apigateway:PATCH",
            format!("arn:aws:apigateway:{REGION}::/account"),
        ),
        (
            "cloudfront:CreateKeyGroup",
            global("cloudfront", "key-group/x"),
        ),
        (
            "cloudfront:UpdateFunction",
            global("cloudfront", "function/x"),
        ),
        ("iam:AttachRolePolicy", global("iam", "role/admin")),
        ("kms:Decrypt", arn("kms", "key/1234")),
        ("ssm:GetParameter", arn("ssm", "parameter/prod/db")),
    ];
    for (action, resource) in foreign {
        assert!(
            !allowed(&role, action, &resource),
            "the deploy may {action} on {resource}, outside its stack"
        );
    }
}
