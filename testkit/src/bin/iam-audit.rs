//! `iam-audit [DIR]`: the report over the gate's judgements of a whole test run (DIR, default
//! `$IAM_AUDIT_DIR`). Exits 1 when a request was refused, a function was never judged, or a
//! policy allows an action no scenario used.

fn main() {
    let dir = std::env::args_os()
        .nth(1)
        .or_else(|| std::env::var_os("IAM_AUDIT_DIR"))
        .expect("usage: iam-audit DIR (or IAM_AUDIT_DIR)");
    let judgements = match testkit::iam::audit::read(std::path::Path::new(&dir)) {
        Ok(j) => j,
        Err(e) => {
            eprintln!("iam-audit: {e}");
            std::process::exit(1);
        }
    };
    let report = testkit::iam::audit::report(&judgements);
    print!("{}", report.text);
    if !report.passed {
        eprintln!(
            "iam-audit: the template's policies and the functions' requests disagree (above)"
        );
        std::process::exit(1);
    }
    println!("iam-audit: every request allowed, every allowed action used");
}
