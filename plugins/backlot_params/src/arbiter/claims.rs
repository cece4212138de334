//! Who holds what above the layers, as plain data: the operator's holds and the controllers
//! that drive parameters now. A render cluster's primary publishes them with its frame
//! states, and its backup takes them when it takes over, so that it resolves every later
//! frame as the primary would have: a held value still wins, releasing it hands the
//! parameter to the controller value under it, and the layers stay off what a controller
//! drives.

use super::{Arbiter, Source};
use crate::{ParamRegistry, ParamValue};

/// [`Source::tier`] of the controllers: tracking, OSC, MIDI, DMX.
const CONTROLLER_TIER: u8 = 3;

/// One parameter that the operator holds or a controller drives.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    /// Parameter address.
    pub address: String,
    /// Who drives it: [`Source::Operator`] when held, else the controller that sent last.
    pub driver: Source,
    /// The operator's value, while held.
    pub held: Option<ParamValue>,
    /// Under a hold, the newest controller value and its sender: what releasing the hold
    /// applies again.
    pub under: Option<(ParamValue, Source)>,
}

impl Arbiter {
    /// Every parameter the operator holds or a controller (tracking, OSC, MIDI, DMX) drives,
    /// in address order.
    pub fn claims(&self) -> Vec<Claim> {
        let mut claims: Vec<Claim> = self
            .entries
            .iter()
            .filter_map(|(address, e)| match &e.held {
                Some(held) => Some(Claim {
                    address: address.clone(),
                    driver: Source::Operator,
                    held: Some(held.clone()),
                    under: e.latest.clone(),
                }),
                None => (e.driver.tier() == CONTROLLER_TIER).then(|| Claim {
                    address: address.clone(),
                    driver: e.driver.clone(),
                    held: None,
                    under: None,
                }),
            })
            .collect();
        claims.sort_unstable_by(|a, b| a.address.cmp(&b.address));
        claims
    }

    /// A render cluster's backup becomes primary: nothing is the old primary's any more
    /// (every parameter it drove is the scene's again, open to the layers), then `claims`
    /// (the primary's last list) are taken as they were there: a held value held, with the
    /// same controller value under it; a controller's parameter driven by that controller at
    /// the value it has here. Binding priorities start afresh (they last a second anyway).
    /// A claim on a parameter this registry lacks, or a controller claim by a source that
    /// is no controller, is skipped. Returns how many were taken.
    pub fn adopt_claims(&mut self, registry: &ParamRegistry, claims: &[Claim]) -> usize {
        for e in self.entries.values_mut() {
            if matches!(e.driver, Source::Cluster(_)) {
                e.driver = Source::Scene;
                e.held = None;
                e.latest = None;
                e.glide = None;
                e.priority = i32::MIN;
                e.at = f64::NEG_INFINITY;
            }
        }
        let mut taken = 0;
        for claim in claims {
            let Ok(value) = registry.get(&claim.address) else {
                continue;
            };
            let value = value.clone();
            let e = self.entry(&claim.address);
            match &claim.held {
                Some(held) => {
                    e.held = Some(held.clone());
                    e.driver = Source::Operator;
                    e.latest = claim
                        .under
                        .clone()
                        .filter(|(_, source)| source.tier() == CONTROLLER_TIER);
                }
                None if claim.driver.tier() == CONTROLLER_TIER => {
                    e.held = None;
                    e.driver = claim.driver.clone();
                    e.latest = Some((value, claim.driver.clone()));
                }
                None => continue,
            }
            e.glide = None;
            e.priority = i32::MIN;
            e.at = f64::NEG_INFINITY;
            taken += 1;
        }
        taken
    }
}

#[cfg(test)]
mod tests {
    use bevy::prelude::*;

    use super::*;
    use crate::{Input, ParamAddress, ParamSpec, ParamsPlugin};

    const HELD: &str = "/scene/fog/density";
    const FADER: &str = "/scene/sun/intensity";
    const LAYERED: &str = "/scene/sky/exposure";

    fn app() -> App {
        let mut app = App::new();
        app.add_plugins((MinimalPlugins, ParamsPlugin));
        for a in [HELD, FADER, LAYERED] {
            let spec = ParamSpec::float(ParamAddress::new(a).expect("address"), 0.0, 0.0, 1.0, "");
            app.world_mut()
                .resource_mut::<ParamRegistry>()
                .register(spec)
                .expect("register");
        }
        app
    }

    fn push(app: &mut App, address: &str, v: f32, source: Source) {
        app.world_mut().resource_mut::<Arbiter>().push(Input {
            address: address.into(),
            value: ParamValue::Float(v),
            source,
            slew_ms: 0.0,
            priority: 0,
        });
    }

    fn value(app: &App, address: &str) -> f32 {
        app.world()
            .resource::<ParamRegistry>()
            .f32_or(address, f32::NAN)
    }

    #[test]
    fn a_backup_that_adopts_the_claims_resolves_like_the_primary() {
        let desk = Source::Osc("desk".into());
        // The primary: a fader under the operator's hold, another fader, a layer.
        let mut primary = app();
        push(&mut primary, HELD, 0.3, desk.clone());
        push(&mut primary, FADER, 0.6, desk.clone());
        push(&mut primary, LAYERED, 0.2, Source::Layers);
        primary.update();
        primary
            .world_mut()
            .resource_mut::<Arbiter>()
            .hold(HELD, ParamValue::Float(0.8));
        primary.update();
        let claims = primary.world().resource::<Arbiter>().claims();
        assert_eq!(
            claims,
            vec![
                Claim {
                    address: HELD.into(),
                    driver: Source::Operator,
                    held: Some(ParamValue::Float(0.8)),
                    under: Some((ParamValue::Float(0.3), desk.clone())),
                },
                Claim {
                    address: FADER.into(),
                    driver: desk.clone(),
                    held: None,
                    under: None,
                },
            ],
            "the layer's parameter is nobody's claim"
        );

        // The backup followed the primary's values, then takes over.
        let mut backup = app();
        let primary_source = Source::Cluster("a".into());
        for (a, v) in [(HELD, 0.8), (FADER, 0.6), (LAYERED, 0.2)] {
            push(&mut backup, a, v, primary_source.clone());
        }
        backup.update();
        let mut unknown = claims.clone();
        unknown.push(Claim {
            address: "/no/such".into(),
            driver: desk.clone(),
            held: None,
            under: None,
        });
        let taken = backup
            .world_mut()
            .resource_scope(|world, mut arbiter: Mut<Arbiter>| {
                arbiter.adopt_claims(world.resource::<ParamRegistry>(), &unknown)
            });
        assert_eq!(taken, 2);
        let arbiter = backup.world().resource::<Arbiter>();
        assert!(arbiter.held(HELD));
        assert_eq!(arbiter.driver(FADER), desk);
        assert_eq!(
            arbiter.driver(LAYERED),
            Source::Scene,
            "the primary's no more"
        );
        assert_eq!(arbiter.claims(), claims);

        // The layers move only what no controller or hold drives, as on the primary.
        for a in [HELD, FADER, LAYERED] {
            push(&mut backup, a, 0.1, Source::Layers);
        }
        backup.update();
        assert_eq!(
            [
                value(&backup, HELD),
                value(&backup, FADER),
                value(&backup, LAYERED)
            ],
            [0.8, 0.6, 0.1]
        );
        // Releasing the hold applies the fader value under it.
        backup.world_mut().resource_mut::<Arbiter>().release(HELD);
        backup.update();
        assert_eq!(value(&backup, HELD), 0.3);
        assert_eq!(backup.world().resource::<Arbiter>().driver(HELD), desk);
    }
}
