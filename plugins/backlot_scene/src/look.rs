//! Other cameras (the LED stage's outer and inner frustum renders) see the scene exactly as
//! the scene camera does: same exposure, ambient light, fog, sky and clear colour.

use bevy::camera::Exposure;
use bevy::light::{EnvironmentMapLight, Skybox};
use bevy::pbr::DistanceFog;
use bevy::prelude::*;

use crate::SceneCamera;

/// Marks a camera that takes its look from the scene camera every frame.
#[derive(Component, Debug, Default, Clone)]
pub struct SharesSceneLook;

type Look = (
    Ref<'static, Camera>,
    Ref<'static, Exposure>,
    Ref<'static, AmbientLight>,
    Option<Ref<'static, DistanceFog>>,
    Option<Ref<'static, Skybox>>,
    Option<Ref<'static, EnvironmentMapLight>>,
);

fn changed<T>(r: &Option<Ref<T>>) -> bool {
    r.as_ref().is_some_and(|r| r.is_changed())
}

pub(crate) fn share_scene_look(
    mut commands: Commands,
    source: Query<Look, (With<SceneCamera>, Without<SharesSceneLook>)>,
    mut followers: Query<(Entity, &mut Camera), With<SharesSceneLook>>,
    added: Query<(), Added<SharesSceneLook>>,
) {
    let Some((camera, exposure, ambient, fog, skybox, env)) = source.iter().next() else {
        return;
    };
    let dirty = camera.is_changed()
        || exposure.is_changed()
        || ambient.is_changed()
        || changed(&fog)
        || changed(&skybox)
        || changed(&env)
        || !added.is_empty();
    if !dirty {
        return;
    }
    for (entity, mut follower) in &mut followers {
        follower.clear_color = camera.clear_color;
        let mut e = commands.entity(entity);
        e.insert((*exposure, (*ambient).clone()));
        match &fog {
            Some(f) => e.insert((**f).clone()),
            None => e.remove::<DistanceFog>(),
        };
        match &skybox {
            Some(s) => e.insert((**s).clone()),
            None => e.remove::<Skybox>(),
        };
        // The filtered maps are shared (same images), so followers cost no extra filtering.
        match &env {
            Some(g) => e.insert((**g).clone()),
            None => e.remove::<EnvironmentMapLight>(),
        };
    }
}
