//! What an `updated` alert announces: every change not yet announced, from the change records
//! of this run and of earlier runs that failed before announcing theirs. Pure.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use covid_model::{Day, Region};
use covid_store::ChangeRecord;

/// The changes since the last announcement, one entry per day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Announcement {
    /// Days that were absent at the last announcement.
    pub new: BTreeSet<NaiveDate>,
    /// Days that were there, with the values they had then.
    pub revised: BTreeMap<NaiveDate, Day>,
    /// The states whose series changed, with how many day writes changed them.
    pub regions: BTreeMap<Region, u64>,
    /// The states whose county days changed, with how many county days changed.
    pub counties: BTreeMap<Region, u64>,
}

impl Announcement {
    /// Merges records in creation order: a day new in one record and revised in a later one is
    /// new; a day revised twice keeps the values it had before the first revision.
    pub fn of<'a>(records: impl IntoIterator<Item = &'a ChangeRecord>) -> Self {
        let mut records: Vec<&ChangeRecord> = records.into_iter().collect();
        records.sort_by(|a, b| a.id.cmp(&b.id));
        let mut announcement = Self::default();
        for record in records {
            for (region, n) in &record.regions {
                *announcement.regions.entry(*region).or_default() += n;
            }
            for (state, n) in &record.counties {
                *announcement.counties.entry(*state).or_default() += n;
            }
            for date in &record.new {
                announcement.revised.remove(date);
                announcement.new.insert(*date);
            }
            for old in &record.revised {
                if !announcement.new.contains(&old.date) {
                    announcement.revised.entry(old.date).or_insert(*old);
                }
            }
        }
        announcement
    }

    pub fn is_empty(&self) -> bool {
        self.new.is_empty()
            && self.revised.is_empty()
            && self.regions.is_empty()
            && self.counties.is_empty()
    }

    /// County days changed, over every state.
    pub fn county_days(&self) -> u64 {
        self.counties.values().sum()
    }

    /// Whether the national series changed (not only states).
    pub fn national(&self) -> bool {
        !self.new.is_empty() || !self.revised.is_empty()
    }

    pub fn new_days(&self) -> u64 {
        self.new.len() as u64
    }

    pub fn revised_days(&self) -> u64 {
        self.revised.len() as u64
    }

    /// The same changes as one record, which takes the place of the oldest merged one.
    pub fn into_record(self, oldest_id: &str) -> ChangeRecord {
        ChangeRecord {
            id: format!("{oldest_id}+"),
            new: self.new.into_iter().collect(),
            revised: self.revised.into_values().collect(),
            regions: self.regions,
            counties: self.counties,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(date: &str, cases: u64) -> Day {
        covid_model::testing::day(date, cases, 0, None)
    }

    fn record(id: &str, new: &[&str], revised: &[Day]) -> ChangeRecord {
        ChangeRecord {
            id: id.to_string(),
            new: new.iter().map(|d| d.parse().unwrap()).collect(),
            revised: revised.to_vec(),
            regions: BTreeMap::new(),
            counties: BTreeMap::new(),
        }
    }

    #[test]
    fn each_day_is_counted_once_with_its_oldest_values() {
        let records = [
            // Given out of order: merged by id.
            record("3", &[], &[day("2020-06-01", 11), day("2021-03-01", 5)]),
            record("1", &["2021-03-01"], &[day("2020-06-01", 10)]),
            record("2", &["2021-03-02"], &[]),
        ];
        let a = Announcement::of(&records);
        assert_eq!(a.new_days(), 2, "2021-03-01 stays new though revised later");
        assert_eq!(a.revised_days(), 1);
        assert_eq!(
            a.revised[&"2020-06-01".parse().unwrap()].cases,
            10,
            "oldest values"
        );
        assert!(Announcement::of(&[]).is_empty());
    }

    #[test]
    fn state_writes_are_summed_per_region() {
        let (ny, ca) = (Region::by_id("NY").unwrap(), Region::by_id("CA").unwrap());
        let mut a = record("1", &[], &[]);
        a.regions = BTreeMap::from([(ny, 99)]);
        let mut b = record("2", &[], &[]);
        b.regions = BTreeMap::from([(ny, 1), (ca, 3)]);
        b.counties = BTreeMap::from([(ny, 1_800)]);
        let mut c = record("3", &[], &[]);
        c.counties = BTreeMap::from([(ny, 62)]);
        let announcement = Announcement::of(&[a, b, c]);
        assert_eq!(announcement.regions, BTreeMap::from([(ca, 3), (ny, 100)]));
        assert_eq!(announcement.counties, BTreeMap::from([(ny, 1_862)]));
        assert_eq!(announcement.county_days(), 1_862);
        assert!(!announcement.is_empty() && !announcement.national());
        let merged = announcement.clone().into_record("1");
        assert_eq!(Announcement::of([&merged]), announcement);
    }

    #[test]
    fn a_merged_record_announces_the_same_and_sorts_where_the_oldest_was() {
        let records = [
            record("1", &["2021-03-01"], &[day("2020-06-01", 10)]),
            record("2", &["2021-03-02"], &[day("2020-06-01", 11)]),
        ];
        let a = Announcement::of(&records);
        let merged = a.clone().into_record("1");
        assert!(merged.id.as_str() > "1" && merged.id.as_str() < "2");
        assert_eq!(Announcement::of([&merged]), a);
    }
}
