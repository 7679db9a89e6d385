//! DynamoDB Local, as the demo and the tests start it (`scripts/dynamodb-local.sh`), listens on
//! the loopback address alone: the kernel's table of listening sockets holds its port at
//! 127.0.0.1 and nowhere else (it has no option for this; `tools/loopback-bind` does it).

/// The local addresses of the sockets listening on `port`, as `/proc/net/tcp` and `tcp6` write
/// them (hex, in the kernel's byte order).
fn listening_on(port: u16) -> Vec<String> {
    let mut found = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let text = std::fs::read_to_string(table).unwrap_or_default();
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (Some(local), Some(state)) = (fields.get(1), fields.get(3)) else {
                continue;
            };
            let Some((address, hex_port)) = local.split_once(':') else {
                continue;
            };
            // 0A: LISTEN.
            if *state == "0A" && u16::from_str_radix(hex_port, 16) == Ok(port) {
                found.push(address.to_string());
            }
        }
    }
    found
}

#[test]
fn dynamodb_local_listens_on_loopback_alone() {
    let launched = testkit::Launched::start().unwrap_or_else(|e| panic!("{e} (run `make setup`)"));
    let addresses = listening_on(launched.port);
    drop(launched);
    // 127.0.0.1 (IPv4), or ::ffff:127.0.0.1 (IPv4-mapped IPv6); never 0.0.0.0 or ::.
    const LOOPBACK: [&str; 2] = ["0100007F", "0000000000000000FFFF00000100007F"];
    assert!(!addresses.is_empty(), "nothing listens on its port");
    assert!(
        addresses.iter().all(|a| LOOPBACK.contains(&a.as_str())),
        "DynamoDB Local listens beyond loopback: {addresses:?}"
    );
}
