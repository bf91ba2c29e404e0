//! Renders the 2 x 3 example figure of the tests to an SVG file, for looking at the style:
//! `cargo run -p plotting --example render_example -- /tmp/plotting-example.svg`.

#[path = "../tests/fixture/mod.rs"]
mod fixture;

fn main() {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "plotting-example.svg".to_string());
    let svg = plotting::render_svg(&fixture::example(), &fixture::style()).expect("renders");
    std::fs::write(&out, svg).expect("writes the SVG");
    println!("wrote {out}");
}
