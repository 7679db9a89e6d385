//! The report over every test process's judgements (`IAM_AUDIT_DIR/*.jsonl`): least privilege
//! both ways. It fails when any request was refused, when a function made no judged request at
//! all (its scenarios did not run through the gate), or when a policy allows an action that no
//! scenario used.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use super::gate::{Judgement, functions, role_statements};
use super::policy::wildcard;

/// What the audit found: the report's text, and whether it passes.
pub struct Report {
    pub text: String,
    pub passed: bool,
}

/// Reads every `*.jsonl` under `dir`.
pub fn read(dir: &Path) -> Result<Vec<Judgement>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut judgements = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().is_none_or(|x| x != "jsonl") {
            continue;
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        for (i, line) in text.lines().enumerate() {
            judgements.push(serde_json::from_str(line).map_err(|e| {
                format!(
                    "{} line {}: not a judgement ({e}): {line}",
                    path.display(),
                    i + 1
                )
            })?);
        }
    }
    Ok(judgements)
}

/// The report for `judgements` against the template's policies.
pub fn report(judgements: &[Judgement]) -> Report {
    let mut text = String::new();
    let mut passed = true;
    for function in functions() {
        let mine: Vec<&Judgement> = judgements
            .iter()
            .filter(|j| j.function == function)
            .collect();
        let _ = writeln!(text, "{function}: {} judged request parts", mine.len());
        if mine.is_empty() {
            passed = false;
            let _ = writeln!(
                text,
                "  FAIL: no scenario ran this function through the gate"
            );
        }
        let mut refused: BTreeMap<(String, String), usize> = BTreeMap::new();
        for j in mine.iter().filter(|j| j.allowed_by.is_none()) {
            let reason = j.refusal.clone().unwrap_or_default();
            *refused.entry((j.operation.clone(), reason)).or_default() += 1;
        }
        for ((operation, reason), count) in &refused {
            passed = false;
            let _ = writeln!(text, "  REFUSED {count}x {operation}: {reason}");
        }
        for statement in role_statements(&function, &[])
            .iter()
            .filter(|s| s.is_allow())
        {
            for action in &statement.actions {
                let used = mine
                    .iter()
                    .filter(|j| {
                        j.allowed_by.as_deref() == Some(statement.sid.as_str())
                            && wildcard(
                                &action.to_ascii_lowercase(),
                                &j.action.to_ascii_lowercase(),
                            )
                    })
                    .count();
                if used == 0 {
                    passed = false;
                    let _ = writeln!(
                        text,
                        "  UNUSED {action} (statement {}): allowed, but no scenario asked for it",
                        statement.sid
                    );
                } else {
                    let _ = writeln!(
                        text,
                        "  used {action} (statement {}): {used}x",
                        statement.sid
                    );
                }
            }
        }
    }
    Report { text, passed }
}
