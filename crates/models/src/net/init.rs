//! Initial weights of trainable networks (UDL section 7.5): PyTorch's default, He (Kaiming)
//! and Xavier (Glorot) in normal and uniform forms, and a plain normal of given variance.
//!
//! Draws come from SplitMix64 (Steele et al. 2014) with Box-Muller normals computed with `libm`,
//! so the same seed gives the same weights on every platform. Layers are drawn in order, each
//! layer's weight matrix row-major and then its bias.

use serde::{Deserialize, Deserializer, Serialize};

use super::{Arch, NetSpec, Weights};

/// An initialisation scheme; `fan_in`/`fan_out` are a layer's input/output sizes (a
/// convolution's are multiplied by its kernel size).
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Default)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Init {
    /// PyTorch's `nn.Linear`/`nn.Conv1d` default: weights and biases U(±1/√fan_in).
    #[default]
    Pytorch,
    /// He normal: N(0, 2/fan_in), zero biases.
    HeNormal,
    /// He uniform: U(±√(6/fan_in)), zero biases.
    HeUniform,
    /// Xavier normal: N(0, 2/(fan_in + fan_out)), zero biases.
    XavierNormal,
    /// Xavier uniform: U(±√(6/(fan_in + fan_out))), zero biases.
    XavierUniform,
    /// N(0, variance) for every weight, zero biases (UDL fig. 7.7's σ²_Ω).
    Normal {
        /// σ²_Ω.
        variance: f64,
    },
}

impl<'de> Deserialize<'de> for Init {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Name(String),
            Table(Table),
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Table {
            kind: String,
            variance: f64,
        }
        let names = "pytorch, he-normal, he-uniform, xavier-normal, xavier-uniform, or { kind = \"normal\", variance = ... }";
        match Repr::deserialize(d)? {
            Repr::Name(n) => Ok(match n.as_str() {
                "pytorch" => Init::Pytorch,
                "he-normal" => Init::HeNormal,
                "he-uniform" => Init::HeUniform,
                "xavier-normal" => Init::XavierNormal,
                "xavier-uniform" => Init::XavierUniform,
                "normal" => {
                    return Err(serde::de::Error::custom(
                        "`normal` needs its variance: init = { kind = \"normal\", variance = 0.02 }",
                    ));
                }
                other => {
                    return Err(serde::de::Error::custom(format!(
                        "unknown init `{other}`, expected {names}"
                    )));
                }
            }),
            Repr::Table(t) if t.kind == "normal" => Ok(Init::Normal {
                variance: t.variance,
            }),
            Repr::Table(t) => Err(serde::de::Error::custom(format!(
                "unknown init `{}`, expected {names}",
                t.kind
            ))),
        }
    }
}

/// SplitMix64: a small, fast, portable generator (initial weights, shuffled batch orders).
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// Shuffles `v` in place (Fisher-Yates, from the back; the index is drawn by
    /// multiply-shift, `⌊u64 · (i + 1) / 2^64⌋`).
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = ((self.next_u64() as u128 * (i as u128 + 1)) >> 64) as usize;
            v.swap(i, j);
        }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Standard normal by Box-Muller (one draw per two uniforms).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform(); // (0, 1]
        let u2 = self.uniform();
        libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(2.0 * std::f64::consts::PI * u2)
    }
}

/// Draws the initial weights of the network a spec describes.
pub fn init(spec: &NetSpec) -> Result<Weights, crate::Error> {
    let issues = spec.validate();
    if !issues.is_empty() {
        return Err(crate::Error::InvalidSpec(issues));
    }
    let arch = spec
        .arch()
        .map_err(|e| crate::Error::InvalidSpec(vec![e]))?;
    let (scheme, scale) = spec.init();
    Ok(draw(arch, scheme, scale, spec.seed()))
}

/// Draws weights for `arch` (see [`init`]).
pub fn draw(arch: Arch, scheme: Init, scale: f64, seed: u64) -> Weights {
    let mut rng = SplitMix64::new(seed);
    let mut params = Vec::new();
    for layer in &arch.layers {
        let (fan_in, fan_out) = layer.fans();
        let (fi, fo) = (fan_in as f64, fan_out as f64);
        let [rows, cols] = layer.weight_shape();
        let (uniform, bound_or_std) = match scheme {
            Init::Pytorch => (true, 1.0 / fi.sqrt()),
            Init::HeNormal => (false, (2.0 / fi).sqrt()),
            Init::HeUniform => (true, (6.0 / fi).sqrt()),
            Init::XavierNormal => (false, (2.0 / (fi + fo)).sqrt()),
            Init::XavierUniform => (true, (6.0 / (fi + fo)).sqrt()),
            Init::Normal { variance } => (false, variance.sqrt()),
        };
        let sample = |rng: &mut SplitMix64| {
            if uniform {
                bound_or_std * (2.0 * rng.uniform() - 1.0)
            } else {
                bound_or_std * rng.normal()
            }
        };
        let w: Vec<f32> = (0..rows * cols)
            .map(|_| (scale * sample(&mut rng)) as f32)
            .collect();
        let b: Vec<f32> = match scheme {
            Init::Pytorch => (0..cols)
                .map(|_| ((2.0 * rng.uniform() - 1.0) / fi.sqrt()) as f32)
                .collect(),
            _ => vec![0.0; cols],
        };
        params.push((w, b));
    }
    Weights::new(arch, params)
}
