//! Derivatives of the activation functions, a'[z] (UDL section 7.3 and fig. 7.6).
//!
//! At a kink (z = 0 for ReLU, leaky ReLU, PReLU and ELU with α ≠ 1) the derivative takes its
//! value from the left, z ≤ 0, as PyTorch's backward pass does: ReLU'[0] = 0. The Heaviside
//! step's derivative is 0 wherever it exists (everywhere but 0, where it is taken as 0 too).

use crate::Activation;

impl Activation {
    /// `da/dz` at `z` (see the module docs for kinks).
    pub fn derivative(&self, z: f64) -> f64 {
        let sigmoid = |z: f64| Activation::Sigmoid.apply(z);
        match *self {
            Activation::Relu => {
                if z > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Activation::Sigmoid => {
                let s = sigmoid(z);
                s * (1.0 - s)
            }
            Activation::Tanh => {
                let t = z.tanh();
                1.0 - t * t
            }
            Activation::LeakyRelu { alpha } | Activation::Prelu { alpha } => {
                if z > 0.0 {
                    1.0
                } else {
                    alpha
                }
            }
            Activation::Softplus => sigmoid(z),
            // d/dz z·Φ(z) = Φ(z) + z·φ(z).
            Activation::Gelu => {
                let cdf = 0.5 * (1.0 + libm::erf(z / std::f64::consts::SQRT_2));
                let pdf = (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
                cdf + z * pdf
            }
            Activation::Silu => swish_derivative(z, 1.0),
            Activation::Elu { alpha } => elu_derivative(z, alpha),
            Activation::Selu => crate::SELU_LAMBDA * elu_derivative(z, crate::SELU_ALPHA),
            Activation::Swish { beta } => swish_derivative(z, beta),
            Activation::Heaviside => 0.0,
        }
    }
}

fn elu_derivative(z: f64, alpha: f64) -> f64 {
    if z > 0.0 { 1.0 } else { alpha * z.exp() }
}

/// d/dz z·σ(βz) = σ(βz) + βz·σ(βz)(1 − σ(βz)).
fn swish_derivative(z: f64, beta: f64) -> f64 {
    let s = Activation::Sigmoid.apply(beta * z);
    s + beta * z * s * (1.0 - s)
}

#[cfg(test)]
mod tests {
    use crate::Activation;

    #[test]
    fn derivatives_match_central_differences() {
        let all = [
            Activation::Relu,
            Activation::Sigmoid,
            Activation::Tanh,
            Activation::LeakyRelu { alpha: 0.1 },
            Activation::Prelu { alpha: 0.25 },
            Activation::Softplus,
            Activation::Gelu,
            Activation::Silu,
            Activation::Elu { alpha: 0.5 },
            Activation::Selu,
            Activation::Swish { beta: 1.4 },
            Activation::Heaviside,
        ];
        let h = 1e-6;
        for a in all {
            for z in [-3.1, -1.0, -0.2, 0.3, 1.7, 4.0] {
                let fd = (a.apply(z + h) - a.apply(z - h)) / (2.0 * h);
                let d = a.derivative(z);
                assert!((fd - d).abs() < 1e-6, "{}: at {z}: {d} vs {fd}", a.name());
            }
        }
    }

    #[test]
    fn kinks_take_the_left_slope() {
        assert_eq!(Activation::Relu.derivative(0.0), 0.0);
        assert_eq!(Activation::Relu.derivative(1e-300), 1.0);
        assert_eq!(Activation::LeakyRelu { alpha: 0.1 }.derivative(0.0), 0.1);
        assert_eq!(Activation::Heaviside.derivative(0.0), 0.0);
    }
}
