//! The platform string recorded in keys and locks: architecture, OS and the SIMD features numeric kernels use.
//!
//! Floating point can differ between instruction sets (gemm picks kernels per CPU; libm differs by
//! OS), so bitwise reproducibility is promised per platform string, not across them.

/// e.g. `x86_64-linux+avx+avx2+fma`.
pub fn current() -> String {
    let mut s = format!("{}-{}", std::env::consts::ARCH, std::env::consts::OS);
    for f in features() {
        s.push('+');
        s.push_str(f);
    }
    s
}

#[cfg(target_arch = "x86_64")]
fn features() -> Vec<&'static str> {
    let mut v = Vec::new();
    if std::arch::is_x86_feature_detected!("avx") {
        v.push("avx");
    }
    if std::arch::is_x86_feature_detected!("avx2") {
        v.push("avx2");
    }
    if std::arch::is_x86_feature_detected!("fma") {
        v.push("fma");
    }
    if std::arch::is_x86_feature_detected!("avx512f") {
        v.push("avx512f");
    }
    v
}

#[cfg(target_arch = "aarch64")]
fn features() -> Vec<&'static str> {
    let mut v = Vec::new();
    if std::arch::is_aarch64_feature_detected!("neon") {
        v.push("neon");
    }
    v
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
fn features() -> Vec<&'static str> {
    Vec::new()
}
