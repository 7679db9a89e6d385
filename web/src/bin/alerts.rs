//! The alerts page (`alerts.html`): fills its section with the subscription form, the region
//! shown on the charts (`?region=`) given for level changes when none is chosen.

fn main() {
    web::mount_alerts();
}
