//! Draws customer histories from fitted (or chosen) model parameters: the basis of parameter
//! recovery tests and of the projection's Monte Carlo.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Beta, Distribution, Exp, Gamma};

use super::transaction::TransactionParams;

/// One simulated customer: purchases in calibration `[0, age]` and in the holdout `(age, age + holdout]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SimulatedCustomer {
    /// Repeat purchases in calibration.
    pub x: u32,
    /// Time of the last calibration purchase.
    pub t_x: f64,
    /// Calibration length.
    pub age: f64,
    /// Purchases in the holdout.
    pub holdout_x: u32,
}

/// A customer's latent traits.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Traits {
    /// Purchase rate per period while alive.
    pub lambda: f64,
    /// Dropout: a probability per purchase (beta-geometric models) or a rate per period (Pareto/NBD).
    pub dropout: f64,
}

impl TransactionParams {
    /// Draws one customer's latent traits.
    pub fn draw_traits(&self, rng: &mut impl Rng) -> Traits {
        let gamma = |shape: f64, rate: f64, rng: &mut dyn rand::RngCore| {
            Gamma::new(shape, 1.0 / rate).map_or(shape / rate, |g| g.sample(rng))
        };
        match *self {
            TransactionParams::BgNbd { r, alpha, a, b }
            | TransactionParams::MbgNbd { r, alpha, a, b } => Traits {
                lambda: gamma(r, alpha, rng),
                dropout: Beta::new(a, b).map_or(a / (a + b), |d| d.sample(rng)),
            },
            TransactionParams::ParetoNbd { r, alpha, s, beta } => Traits {
                lambda: gamma(r, alpha, rng),
                dropout: gamma(s, beta, rng),
            },
        }
    }

    /// Purchase times (after the first, at 0) of a customer with `traits`, up to `end`.
    pub fn draw_purchases(&self, traits: Traits, end: f64, rng: &mut impl Rng, out: &mut Vec<f64>) {
        out.clear();
        let Ok(gap) = Exp::new(traits.lambda.max(1e-300)) else {
            return;
        };
        let lifetime = match self {
            TransactionParams::ParetoNbd { .. } => {
                Exp::new(traits.dropout.max(1e-300)).map_or(f64::INFINITY, |d| d.sample(rng))
            }
            _ => f64::INFINITY,
        };
        if matches!(self, TransactionParams::MbgNbd { .. }) && rng.random::<f64>() < traits.dropout
        {
            return;
        }
        let stop = end.min(lifetime);
        let mut t = 0.0;
        loop {
            t += gap.sample(rng);
            if t > stop {
                return;
            }
            out.push(t);
            let geometric = !matches!(self, TransactionParams::ParetoNbd { .. });
            if geometric && rng.random::<f64>() < traits.dropout {
                return;
            }
        }
    }

    /// Simulates customers of the given ages with a holdout of `holdout` periods; seeded.
    pub fn simulate(&self, ages: &[f64], holdout: f64, seed: u64) -> Vec<SimulatedCustomer> {
        let mut times = Vec::new();
        ages.iter()
            .enumerate()
            .map(|(i, &age)| {
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                rng.set_stream(i as u64);
                let traits = self.draw_traits(&mut rng);
                self.draw_purchases(traits, age + holdout, &mut rng, &mut times);
                let x = times.iter().filter(|&&t| t <= age).count();
                SimulatedCustomer {
                    x: x as u32,
                    t_x: if x > 0 { times[x - 1] } else { 0.0 },
                    age,
                    holdout_x: (times.len() - x) as u32,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The closed-form conditional expectations agree with simulation from the same model.
    #[test]
    fn conditional_expectations_match_simulation() {
        let ages: Vec<f64> = (0..40_000).map(|i| 20.0 + (i % 20) as f64).collect();
        for params in [
            TransactionParams::BgNbd {
                r: 0.8,
                alpha: 6.0,
                a: 0.8,
                b: 2.5,
            },
            TransactionParams::MbgNbd {
                r: 0.8,
                alpha: 6.0,
                a: 1.5,
                b: 5.0,
            },
            TransactionParams::ParetoNbd {
                r: 0.8,
                alpha: 6.0,
                s: 0.7,
                beta: 12.0,
            },
        ] {
            let sims = params.simulate(&ages, 30.0, 11);
            let actual: f64 = sims.iter().map(|c| f64::from(c.holdout_x)).sum();
            let predicted: f64 = sims
                .iter()
                .map(|c| params.expected_conditional(30.0, f64::from(c.x), c.t_x, c.age))
                .sum();
            let rel = (predicted - actual).abs() / actual;
            assert!(
                rel < 0.03,
                "{params:?}: predicted {predicted:.0}, simulated {actual:.0}"
            );
            let calibration: f64 = sims.iter().map(|c| f64::from(c.x)).sum();
            let expected: f64 = ages.iter().map(|&t| params.expected_unconditional(t)).sum();
            let rel = (expected - calibration).abs() / calibration;
            assert!(
                rel < 0.03,
                "{params:?}: E[X] {expected:.0}, simulated {calibration:.0}"
            );
        }
    }
}
