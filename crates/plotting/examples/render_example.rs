//! Renders a figure of the tests to an SVG file, for looking at the style:
//! `cargo run -p plotting --example render_example -- /tmp/plotting-example.svg [example|gallery]`.
//! `example` (the default) is the 2 x 3 figure of the original kinds; `gallery` shows the map,
//! surface and distribution kinds.

#[path = "../tests/fixture/mod.rs"]
mod fixture;

fn main() {
    let mut args = std::env::args().skip(1);
    let out = args
        .next()
        .unwrap_or_else(|| "plotting-example.svg".to_string());
    let figure = match args.next().as_deref() {
        None | Some("example") => fixture::example(),
        Some("gallery") => fixture::gallery(),
        Some(other) => panic!("unknown figure `{other}`: use `example` or `gallery`"),
    };
    let svg = plotting::render_svg(&figure, &fixture::style()).expect("renders");
    std::fs::write(&out, svg).expect("writes the SVG");
    println!("wrote {out}");
}
