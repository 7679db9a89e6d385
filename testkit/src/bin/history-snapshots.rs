//! `history-snapshots <folder> <first vintage> <count>`: the daily snapshots of
//! `testkit::publications` for the replay benchmark (`scripts/bench-history.sh`).

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, folder, first, count] = args.as_slice() else {
        eprintln!("usage: history-snapshots <folder> <first vintage YYYY-MM-DD> <count>");
        std::process::exit(2);
    };
    let first = first.parse().expect("the first vintage as YYYY-MM-DD");
    let count = count.parse().expect("a count of snapshots");
    let vintages =
        testkit::publications::write_snapshots(std::path::Path::new(folder), first, count);
    println!(
        "{} snapshots, {} to {}",
        vintages.len(),
        vintages[0],
        vintages[vintages.len() - 1]
    );
}
