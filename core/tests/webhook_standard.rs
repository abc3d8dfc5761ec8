//! The webhook verifier against an independent implementation: the npm `standardwebhooks`
//! package (installed in `tools/node_modules` by `scripts/bootstrap.sh`) signs, we verify; we
//! sign, it verifies; and `core/tests/webhooks/vectors.json` is exactly what its generator makes
//! with the package. Without Node or the package, each test says that it skipped.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use bankfeeds::dates::Timestamp;
use bankfeeds::model::WebhookEvent;
use bankfeeds::webhook::{Verifier, WebhookError, WebhookHeaders};

const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

/// The package's folder, or `None` after telling the terminal that `test` skipped.
fn package(test: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/node_modules/standardwebhooks");
    let node = Command::new("node").arg("--version").output().is_ok();
    if dir.join("package.json").exists() && node {
        return Some(dir);
    }
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: needs Node and the npm package standardwebhooks in tools/node_modules \
         (run scripts/bootstrap.sh)"
    );
    None
}

/// Runs a Node script with the package as `Webhook` and the secret in `process.env.SECRET`;
/// `args` are `process.argv.slice(1)`. Returns its standard output.
fn node(package: &Path, script: &str, args: &[&str]) -> String {
    let prelude = format!(
        "const {{ Webhook }} = require({:?});\n",
        package.to_str().unwrap()
    );
    let out = Command::new("node")
        .env("SECRET", SECRET)
        .arg("-e")
        .arg(format!("{prelude}{script}"))
        .args(args)
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "node failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

#[test]
fn the_committed_vectors_are_what_the_package_signs() {
    if package("webhook_standard::the_committed_vectors_are_what_the_package_signs").is_none() {
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/webhooks/generate.mjs");
    let out = Command::new("node")
        .arg(&script)
        .arg("--check")
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

mod shared;

/// Codat's example delivery, or `None` (the test says it skipped) in a clone without
/// `../shared`.
fn body(test: &str) -> Option<String> {
    shared::read(
        "fixtures/codat-docs/webhook.push-operation-status-changed.json",
        test,
    )
}

#[test]
fn node_signs_we_verify_and_refuse_tampering() {
    let test = "webhook_standard::node_signs_we_verify_and_refuse_tampering";
    let (Some(package), Some(body)) = (package(test), body(test)) else {
        return;
    };
    let now = Timestamp::now();
    let ts = now.utc().timestamp().to_string();
    let signature = node(
        &package,
        "const [id, ts, body] = process.argv.slice(1);\n\
         process.stdout.write(new Webhook(process.env.SECRET).sign(id, new Date(Number(ts) * 1000), body));",
        &["msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", &ts, &body],
    );
    assert!(signature.starts_with("v1,"), "{signature}");

    let verifier = Verifier::new(SECRET).unwrap();
    for prefix in ["svix", "webhook"] {
        let headers = WebhookHeaders::from_pairs([
            (
                format!("{prefix}-id").as_str(),
                "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W",
            ),
            (format!("{prefix}-timestamp").as_str(), ts.as_str()),
            (format!("{prefix}-signature").as_str(), signature.as_str()),
        ])
        .unwrap();
        let event = verifier
            .verify_and_parse(&headers, body.as_bytes(), now)
            .unwrap();
        assert!(matches!(event, WebhookEvent::PushOperationStatusChanged(_)));

        let tampered = body.replace("Success", "Failed");
        assert_eq!(
            verifier.verify(&headers, tampered.as_bytes(), now),
            Err(WebhookError::NoMatchingSignature)
        );
        let mut other_id = headers.clone();
        other_id.id.push('x');
        assert_eq!(
            verifier.verify(&other_id, body.as_bytes(), now),
            Err(WebhookError::NoMatchingSignature)
        );
        let later: Timestamp = Timestamp::new(now.utc() + chrono::TimeDelta::minutes(6));
        assert!(matches!(
            verifier.verify(&headers, body.as_bytes(), later),
            Err(WebhookError::TooOld { .. })
        ));
    }
}

#[test]
fn we_sign_node_verifies() {
    let test = "webhook_standard::we_sign_node_verifies";
    let (Some(package), Some(body)) = (package(test), body(test)) else {
        return;
    };
    let ts = Timestamp::now().utc().timestamp();
    let verifier = Verifier::new(SECRET).unwrap();
    let signature = verifier.sign("msg_abc", ts, body.as_bytes());
    // Node verifies against its own clock, with the same five-minute tolerance.
    let verdict = |sig: &str, payload: &str| {
        node(
            &package,
            "const [id, ts, sig, body] = process.argv.slice(1);\n\
             const headers = {'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': sig};\n\
             try { new Webhook(process.env.SECRET).verify(body, headers); console.log('ok'); }\n\
             catch (e) { console.log('refused: ' + e.message); }",
            &["msg_abc", &ts.to_string(), sig, payload],
        )
    };
    assert_eq!(verdict(&signature, &body), "ok");
    // Several signatures during a rotation: node accepts if one matches, as we do.
    let rotated = format!("v1,bm90IHRoZSBzaWduYXR1cmU= {signature}");
    assert_eq!(verdict(&rotated, &body), "ok");
    assert_eq!(
        verdict(&signature, &body.replace("Success", "Failed")),
        "refused: No matching signature found"
    );
    // And node's helper agrees on the Standard Webhooks test vector our unit test pins.
    let vector = node(
        &package,
        "process.stdout.write(new Webhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw').sign('msg_p5jXN8AQM9LWM0D4loKWxJek', new Date(1614265330 * 1000), '{\"test\": 2432232314}'));",
        &[],
    );
    assert_eq!(vector, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}
