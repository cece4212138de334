// The per-output warp: for every LED pixel of an output canvas, its 3D position on the wall
// (precomputed into `positions`) is projected into each tracked camera's inner-frustum
// render; outside every frustum the outer (environment) cube is sampled along the direction
// from the outer eye. Each side is graded in linear light before the soft edge blends them
// (the camera's grade inside its frustum, the output's outside). Test patterns replace the
// live image; the output's colour pipeline runs last. The calibration pattern is a signal:
// it bypasses all of that.

#import bevy_pbr::forward_io::VertexOutput

// One grade, as grade.rs `GradeCoefficients` (and `GradeUniform`) hold it.
struct Grade {
    // exposure x white balance: rows of a linear Rec.709 matrix
    rows: array<vec4<f32>, 3>,
    lift: vec4<f32>,
    gain: vec4<f32>,
    // 1 / gamma
    power: vec4<f32>,
    // x: saturation, y: contrast, z: 1 when the maths runs, w: look LUT layer + 1 (0 none)
    tone: vec4<f32>,
}

struct WarpUniform {
    inner_clip_from_world: array<mat4x4<f32>, 4>,
    // x: mode (0 off, 1 normal, 2 chroma key), y: soft edge, z: marker spacing (m), w: unused
    inner_params: array<vec4<f32>, 4>,
    chroma: array<vec4<f32>, 4>,
    outer_clip_from_world: array<mat4x4<f32>, 6>,
    eye: vec4<f32>,
    // rgb: linear gain (exposure x gain x white balance), w: transfer (0 sRGB, 1 g2.2, 2 g2.4, 3 linear)
    color: vec4<f32>,
    // x: pattern, y: frustum outline, z: camera count, w: 1 when drawn into an sRGB window
    pattern: vec4<f32>,
    // per section: cabinet pixels (x, y), cabinets (z, w)
    cabinets: array<vec4<f32>, 8>,
    inner_grade: array<Grade, 4>,
    outer_grade: Grade,
    // rgb: the calibration patch's signal
    calibration: vec4<f32>,
}

// The index of `calibration` in params.rs `PATTERNS`.
const CALIBRATION_PATTERN: u32 = 9u;
const MID_GREY: f32 = 0.18;
const LUMA: vec3<f32> = vec3<f32>(0.2126, 0.7152, 0.0722);

// Written in place every frame; the material never changes (see live_buffer.rs).
@group(#{MATERIAL_BIND_GROUP}) @binding(0) var<storage, read> warp: WarpUniform;
@group(#{MATERIAL_BIND_GROUP}) @binding(1) var positions: texture_2d<f32>;
@group(#{MATERIAL_BIND_GROUP}) @binding(2) var info: texture_2d<u32>;
@group(#{MATERIAL_BIND_GROUP}) @binding(3) var inner0: texture_2d<f32>;
@group(#{MATERIAL_BIND_GROUP}) @binding(4) var linear_sampler: sampler;
@group(#{MATERIAL_BIND_GROUP}) @binding(5) var inner1: texture_2d<f32>;
@group(#{MATERIAL_BIND_GROUP}) @binding(6) var inner2: texture_2d<f32>;
@group(#{MATERIAL_BIND_GROUP}) @binding(7) var inner3: texture_2d<f32>;
@group(#{MATERIAL_BIND_GROUP}) @binding(8) var outer_px: texture_2d<f32>;
@group(#{MATERIAL_BIND_GROUP}) @binding(9) var outer_nx: texture_2d<f32>;
@group(#{MATERIAL_BIND_GROUP}) @binding(10) var outer_py: texture_2d<f32>;
@group(#{MATERIAL_BIND_GROUP}) @binding(11) var outer_ny: texture_2d<f32>;
@group(#{MATERIAL_BIND_GROUP}) @binding(12) var outer_pz: texture_2d<f32>;
@group(#{MATERIAL_BIND_GROUP}) @binding(13) var outer_nz: texture_2d<f32>;
@group(#{MATERIAL_BIND_GROUP}) @binding(14) var lut: texture_3d<f32>;
@group(#{MATERIAL_BIND_GROUP}) @binding(15) var grade_luts: texture_3d<f32>;

fn project(m: mat4x4<f32>, p: vec3<f32>) -> vec4<f32> {
    let c = m * vec4<f32>(p, 1.0);
    return vec4<f32>(c.xyz / c.w, c.w);
}

fn ndc_to_uv(q: vec2<f32>) -> vec2<f32> {
    return vec2<f32>(q.x * 0.5 + 0.5, 0.5 - q.y * 0.5);
}

fn sample_inner(i: u32, uv: vec2<f32>) -> vec3<f32> {
    switch i {
        case 0u: { return textureSampleLevel(inner0, linear_sampler, uv, 0.0).rgb; }
        case 1u: { return textureSampleLevel(inner1, linear_sampler, uv, 0.0).rgb; }
        case 2u: { return textureSampleLevel(inner2, linear_sampler, uv, 0.0).rgb; }
        default: { return textureSampleLevel(inner3, linear_sampler, uv, 0.0).rgb; }
    }
}

fn sample_outer(d: vec3<f32>) -> vec3<f32> {
    let a = abs(d);
    var face = 0u;
    if a.x >= a.y && a.x >= a.z {
        face = select(1u, 0u, d.x > 0.0);
    } else if a.y >= a.z {
        face = select(3u, 2u, d.y > 0.0);
    } else {
        face = select(5u, 4u, d.z > 0.0);
    }
    let uv = ndc_to_uv(project(warp.outer_clip_from_world[face], warp.eye.xyz + d).xy);
    switch face {
        case 0u: { return textureSampleLevel(outer_px, linear_sampler, uv, 0.0).rgb; }
        case 1u: { return textureSampleLevel(outer_nx, linear_sampler, uv, 0.0).rgb; }
        case 2u: { return textureSampleLevel(outer_py, linear_sampler, uv, 0.0).rgb; }
        case 3u: { return textureSampleLevel(outer_ny, linear_sampler, uv, 0.0).rgb; }
        case 4u: { return textureSampleLevel(outer_pz, linear_sampler, uv, 0.0).rgb; }
        default: { return textureSampleLevel(outer_nz, linear_sampler, uv, 0.0).rgb; }
    }
}

// Contrast as a power around mid grey; black and below stay black.
fn contrast_channel(v: f32, k: f32) -> f32 {
    if k == 1.0 {
        return v;
    }
    if v <= 0.0 {
        return 0.0;
    }
    return MID_GREY * pow(v / MID_GREY, k);
}

// CDL power; nothing below black to raise.
fn power_channel(v: f32, p: f32) -> f32 {
    if p == 1.0 {
        return v;
    }
    if v <= 0.0 {
        return 0.0;
    }
    return pow(v, p);
}

// A grade's look LUT: its layer of `grade_luts`, on sRGB-encoded values (0..1).
fn grade_lut(slot: f32, rgb: vec3<f32>) -> vec3<f32> {
    let dims = vec3<f32>(textureDimensions(grade_luts));
    let n = dims.x;
    let e = clamp(vec3<f32>(encode(rgb.r, 0u), encode(rgb.g, 0u), encode(rgb.b, 0u)), vec3<f32>(0.0), vec3<f32>(1.0));
    // Texel centres of one layer span 0..1 exactly; layers never bleed into each other.
    let t = e * ((n - 1.0) / n) + vec3<f32>(0.5 / n);
    let uvw = vec3<f32>(t.x, t.y, (slot + t.z) * n / dims.z);
    let s = textureSampleLevel(grade_luts, linear_sampler, uvw, 0.0).rgb;
    return vec3<f32>(srgb_decode(s.r), srgb_decode(s.g), srgb_decode(s.b));
}

// A grade of one linear colour: grade.rs `GradeCoefficients::apply_with_lut`, step for step.
fn apply_grade(g: Grade, rgb_in: vec3<f32>) -> vec3<f32> {
    var c = rgb_in;
    if g.tone.z > 0.5 {
        c = vec3<f32>(dot(g.rows[0].xyz, c), dot(g.rows[1].xyz, c), dot(g.rows[2].xyz, c));
        let luma = dot(LUMA, c);
        c = vec3<f32>(luma) + g.tone.x * (c - vec3<f32>(luma));
        c = vec3<f32>(contrast_channel(c.r, g.tone.y), contrast_channel(c.g, g.tone.y), contrast_channel(c.b, g.tone.y));
        let s = c * g.gain.rgb + g.lift.rgb;
        c = vec3<f32>(power_channel(s.r, g.power.r), power_channel(s.g, g.power.g), power_channel(s.b, g.power.b));
    }
    if g.tone.w > 0.5 {
        c = grade_lut(g.tone.w - 1.0, c);
    }
    return c;
}

// Cameras come sorted by ascending priority: each later one is mixed over the result, so
// the highest priority wins where frustums overlap, with soft edges blending at borders.
// Both sides are graded before they blend: the soft edge mixes two gradings, not one
// grading of mixed pixels.
fn live(p: vec3<f32>) -> vec3<f32> {
    var rgb = apply_grade(warp.outer_grade, sample_outer(normalize(p - warp.eye.xyz)));
    let count = u32(warp.pattern.z);
    for (var i = 0u; i < count; i = i + 1u) {
        let params = warp.inner_params[i];
        if params.x < 0.5 {
            continue;
        }
        let q = project(warp.inner_clip_from_world[i], p);
        let edge = 1.0 - max(abs(q.x), abs(q.y));
        if q.w <= 0.0 || edge <= 0.0 {
            continue;
        }
        var w = 1.0;
        if params.y > 0.0 {
            w = smoothstep(0.0, params.y, edge);
        }
        var inner: vec3<f32>;
        if params.x > 1.5 {
            inner = warp.chroma[i].rgb;
            if params.z > 0.0 {
                // Tracking markers: dark dots on a grid over the key colour, spaced in metres.
                let g = fract(vec2<f32>(p.x + p.z, p.y) / params.z) - vec2<f32>(0.5);
                if length(g) < 0.06 {
                    inner = vec3<f32>(0.05);
                }
            }
        } else {
            inner = sample_inner(i, ndc_to_uv(q.xy));
        }
        rgb = mix(rgb, apply_grade(warp.inner_grade[i], inner), w);
    }
    return rgb;
}

fn outline(p: vec3<f32>) -> f32 {
    let count = u32(warp.pattern.z);
    var on = 0.0;
    for (var i = 0u; i < count; i = i + 1u) {
        if warp.inner_params[i].x < 0.5 {
            continue;
        }
        let q = project(warp.inner_clip_from_world[i], p);
        let edge = 1.0 - max(abs(q.x), abs(q.y));
        if q.w > 0.0 && edge > 0.0 && edge < 0.006 {
            on = 1.0;
        }
    }
    return on;
}

fn hue(h: f32) -> vec3<f32> {
    let k = vec3<f32>(0.0, 2.0 / 3.0, 1.0 / 3.0);
    return clamp(abs(fract(vec3<f32>(h) + k) * 6.0 - 3.0) - 1.0, vec3<f32>(0.0), vec3<f32>(1.0));
}

// 3x5 pixel digits 0-9 and '-' (index 10), one bit per pixel, row-major from the top.
const GLYPHS = array<u32, 11>(31599u, 9362u, 29671u, 29391u, 23497u, 31183u, 31215u, 29257u, 31727u, 31695u, 448u);

fn glyph_on(glyph: u32, gx: u32, gy: u32) -> bool {
    return ((GLYPHS[min(glyph, 10u)] >> (14u - (gy * 3u + gx))) & 1u) == 1u;
}

fn digit_count(v: u32) -> u32 {
    var n = 1u;
    var x = v / 10u;
    loop {
        if x == 0u {
            break;
        }
        n = n + 1u;
        x = x / 10u;
    }
    return n;
}

// Whether local cabinet pixel (lx, ly) is lit by the label "<section>-<cabinet>" printed in
// the cabinet's top-left corner, with `s` LED pixels per font pixel.
fn label_on(section: u32, cabinet: u32, lx: u32, ly: u32, s: u32) -> bool {
    let x0 = 2u * s;
    let y0 = 2u * s;
    if lx < x0 || ly < y0 || ly >= y0 + 5u * s {
        return false;
    }
    let col = (lx - x0) / (4u * s);
    let gx = ((lx - x0) / s) % 4u;
    let gy = (ly - y0) / s;
    if gx == 3u {
        return false;
    }
    let ns = digit_count(section);
    let nc = digit_count(cabinet);
    var glyph = 0u;
    if col < ns {
        var v = section;
        for (var k = 0u; k < ns - 1u - col; k = k + 1u) {
            v = v / 10u;
        }
        glyph = v % 10u;
    } else if col == ns {
        glyph = 10u;
    } else if col <= ns + nc {
        var v = cabinet;
        for (var k = 0u; k < ns + nc - col; k = k + 1u) {
            v = v / 10u;
        }
        glyph = v % 10u;
    } else {
        return false;
    }
    return glyph_on(glyph, gx, gy);
}

fn test_pattern(pattern: u32, inf: vec4<u32>, px: vec2<i32>) -> vec3<f32> {
    let canvas = vec2<f32>(textureDimensions(positions));
    switch pattern {
        // Cabinet grid: a colour per cabinet, white cabinet edges, "section-cabinet" ids.
        case 1u: {
            let cab = warp.cabinets[min(inf.x, 7u)];
            let cw = max(u32(cab.x), 1u);
            let ch = max(u32(cab.y), 1u);
            if inf.y % cw == 0u || inf.z % ch == 0u || inf.y % cw == cw - 1u || inf.z % ch == ch - 1u {
                return vec3<f32>(1.0);
            }
            let id = (inf.z / ch) * u32(cab.z) + inf.y / cw;
            // Section and cabinet ids printed in each cabinet's corner.
            if label_on(inf.x, id, inf.y % cw, inf.z % ch, max(1u, min(cw, ch) / 24u)) {
                return vec3<f32>(1.0);
            }
            return hue(fract(f32(id) * 0.618034 + f32(inf.x) * 0.25)) * 0.8;
        }
        // 75% colour bars across the canvas.
        case 2u: {
            let bar = u32(f32(px.x) / canvas.x * 8.0);
            var bars = array<vec3<f32>, 8>(
                vec3<f32>(0.75, 0.75, 0.75), vec3<f32>(0.75, 0.75, 0.0), vec3<f32>(0.0, 0.75, 0.75),
                vec3<f32>(0.0, 0.75, 0.0), vec3<f32>(0.75, 0.0, 0.75), vec3<f32>(0.75, 0.0, 0.0),
                vec3<f32>(0.0, 0.0, 0.75), vec3<f32>(0.0, 0.0, 0.0));
            return bars[min(bar, 7u)];
        }
        case 3u: { return vec3<f32>(1.0, 0.0, 0.0); }
        case 4u: { return vec3<f32>(0.0, 1.0, 0.0); }
        case 5u: { return vec3<f32>(0.0, 0.0, 1.0); }
        case 6u: { return vec3<f32>(1.0); }
        case 7u: { return vec3<f32>(0.0); }
        // One-pixel checkerboard in LED pixels: shows moire against the camera sensor.
        default: { return vec3<f32>(f32((inf.y + inf.z) % 2u)); }
    }
}

fn encode(x: f32, transfer: u32) -> f32 {
    let v = max(x, 0.0);
    switch transfer {
        case 0u: { return select(1.055 * pow(v, 1.0 / 2.4) - 0.055, 12.92 * v, v <= 0.0031308); }
        case 1u: { return pow(v, 1.0 / 2.2); }
        case 2u: { return pow(v, 1.0 / 2.4); }
        default: { return v; }
    }
}

fn srgb_decode(v: f32) -> f32 {
    return select(pow((v + 0.055) / 1.055, 2.4), v / 12.92, v <= 0.04045);
}

@fragment
fn fragment(in: VertexOutput) -> @location(0) vec4<f32> {
    let px = vec2<i32>(floor(in.position.xy));
    let pos = textureLoad(positions, px, 0);
    if pos.w < 0.5 {
        return vec4<f32>(0.0, 0.0, 0.0, 1.0);
    }
    let inf = textureLoad(info, px, 0);
    let pattern = u32(warp.pattern.x);
    var signal: vec3<f32>;
    if pattern == CALIBRATION_PATTERN {
        // A calibration patch is already the signal the processor should receive: no
        // grade, gain, transfer or LUT. The output's LUT is what calibration measures the
        // wall to make (OpenVPCal measures without it), so it must not be in the way.
        signal = clamp(warp.calibration.rgb, vec3<f32>(0.0), vec3<f32>(1.0));
    } else {
        var rgb: vec3<f32>;
        if pattern == 0u {
            rgb = live(pos.xyz);
        } else {
            rgb = test_pattern(pattern, inf, px);
        }
        if warp.pattern.y > 0.5 && outline(pos.xyz) > 0.5 {
            rgb = vec3<f32>(1.0, 0.85, 0.0);
        }
        rgb = rgb * warp.color.rgb;
        let t = u32(warp.color.w);
        let encoded = clamp(vec3<f32>(encode(rgb.r, t), encode(rgb.g, t), encode(rgb.b, t)), vec3<f32>(0.0), vec3<f32>(1.0));
        // The 3D LUT, last (the wall-to-camera calibration): texel centres span 0..1 exactly.
        let n = f32(textureDimensions(lut).x);
        signal = textureSampleLevel(lut, linear_sampler, encoded * ((n - 1.0) / n) + vec3<f32>(0.5 / n), 0.0).rgb;
    }
    if warp.pattern.w > 0.5 {
        // Drawn into an sRGB window surface, which encodes on write: pre-decode so the
        // stored bytes are the signal itself.
        return vec4<f32>(srgb_decode(signal.r), srgb_decode(signal.g), srgb_decode(signal.b), 1.0);
    }
    return vec4<f32>(signal, 1.0);
}
