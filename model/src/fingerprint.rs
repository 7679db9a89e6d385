//! Fingerprints: FNV-1a 64 of a series' canonical CSV form, or of any text.

use crate::Day;

/// A stable fingerprint of a series (FNV-1a 64 over its canonical CSV form), as 16 hex digits.
///
/// Equal series give equal fingerprints on every platform; any change to a date or a count
/// changes it. The ETL stores it to detect "nothing new" with one read; the API can use it as
/// an entity tag.
pub fn fingerprint(days: &[Day]) -> String {
    let mut hash = Fnv::default();
    for day in days {
        // An unreported count is empty, so every series with counts keeps its fingerprint.
        let deaths = day.deaths.map(|d| d.to_string()).unwrap_or_default();
        let recovered = day.recovered.map(|r| r.to_string()).unwrap_or_default();
        let line = format!("{},{},{deaths},{recovered}\n", day.date, day.cases);
        hash.eat(line.as_bytes());
    }
    hash.hex()
}

/// The same fingerprint (FNV-1a 64, 16 hex digits) of any text.
pub fn fingerprint_text(text: &str) -> String {
    let mut hash = Fnv::default();
    hash.eat(text.as_bytes());
    hash.hex()
}

struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn eat(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }
}
