// Generative visual layers drawn over a scene surface: a flowing gradient, a drifting noise
// field, or particles drifting toward a performer. Driven by parameters (level from the
// layers, colours, speed, opacity); unlit, emissive in cd/m2 like the scene's neon.

#import bevy_pbr::forward_io::VertexOutput
#import bevy_pbr::mesh_view_bindings::globals

struct Generative {
    color_a: vec4<f32>,   // rgb linear, a: brightness
    color_b: vec4<f32>,   // rgb linear
    // x: unused (time comes from the view globals), y: level 0..1, z: opacity,
    // w: kind (0 gradient, 1 noise, 2 particles)
    params: vec4<f32>,
    // xyz: performer position (world), w: presence 0..1
    performer: vec4<f32>,
    // x: speed
    extra: vec4<f32>,
}

// Written in place every frame: the material itself never changes (see live_buffer.rs).
@group(#{MATERIAL_BIND_GROUP}) @binding(0) var<storage, read> g: Generative;

fn hash(p: vec2<f32>) -> f32 {
    let h = dot(p, vec2<f32>(127.1, 311.7));
    return fract(sin(h) * 43758.5453);
}

fn noise(p: vec2<f32>) -> f32 {
    let i = floor(p);
    let f = fract(p);
    let u = f * f * (3.0 - 2.0 * f);
    return mix(mix(hash(i), hash(i + vec2<f32>(1.0, 0.0)), u.x),
               mix(hash(i + vec2<f32>(0.0, 1.0)), hash(i + vec2<f32>(1.0, 1.0)), u.x), u.y);
}

fn fbm(p: vec2<f32>) -> f32 {
    var v = 0.0;
    var a = 0.5;
    var q = p;
    for (var i = 0; i < 4; i = i + 1) {
        v = v + a * noise(q);
        q = q * 2.03 + vec2<f32>(1.7, 9.2);
        a = a * 0.5;
    }
    return v;
}

@fragment
fn fragment(in: VertexOutput) -> @location(0) vec4<f32> {
    let t = globals.time * g.extra.x;
    let level = g.params.y;
    let kind = u32(g.params.w + 0.5);
    let uv = in.uv;
    var k = 0.0;
    var glow = 0.0;
    if kind == 0u {
        k = 0.5 + 0.5 * sin(6.2831 * (uv.x + uv.y * 0.35 - t * 0.15) + level * 3.0);
        glow = 0.35 + 0.65 * level;
    } else if kind == 1u {
        let n = fbm(uv * 4.0 + vec2<f32>(t * 0.2, -t * 0.13));
        k = n;
        glow = smoothstep(0.35 - 0.3 * level, 0.9, n) * (0.3 + level);
    } else {
        // Particles: a jittered grid of dots drifting toward the performer's side.
        let drift = vec2<f32>(clamp(g.performer.x * 0.1, -0.5, 0.5) * g.performer.w, 0.0);
        let p = uv * vec2<f32>(24.0, 14.0) + vec2<f32>(0.0, -t * 0.6) + drift * t;
        let cell = floor(p);
        let f = fract(p) - 0.5 - (vec2<f32>(hash(cell), hash(cell + 3.1)) - 0.5) * 0.6;
        let d = length(f);
        glow = smoothstep(0.12 + 0.1 * level, 0.0, d) * (0.4 + level);
        k = hash(cell + 7.7);
    }
    let rgb = mix(g.color_a.rgb, g.color_b.rgb, k) * glow * g.color_a.a;
    return vec4<f32>(rgb, clamp(g.params.z * clamp(glow, 0.0, 1.0), 0.0, 1.0));
}
