//! The command line (a contract: other tools and checks call these names and flags).

use std::net::IpAddr;
use std::path::PathBuf;

use backlot_calibrate::Transfer;
use backlot_control::{AllowLists, Cidr, NetworkSettings, Protocol};
use clap::{Args, Parser, Subcommand};

/// backlot — real-time scene engine and on-set toolkit for LED-volume virtual production.
#[derive(Parser, Debug)]
#[command(name = "backlot", version, about, long_about = None)]
pub struct Cli {
    /// Folder holding glTF models, textures and other assets (default: ./assets).
    #[arg(long, global = true, value_name = "DIR")]
    pub assets: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the live engine: operator window with a scene preview, hot reload of the scene file.
    Run(RunArgs),
    /// Render frames headlessly and deterministically to PNG files, then exit.
    Render(RenderArgs),
    /// Validate scene, stage, map, layer set, cluster and show files; prints
    /// `path:line:col: message` per problem, exit 1 if any.
    Check(CheckArgs),
    /// Print every live parameter of a scene: address, type, range, unit, default.
    Params(ParamsArgs),
    /// Wall-to-camera colour calibration: write a patch set, then solve camera captures of it
    /// into an output LUT (see docs/calibration.md).
    Calibrate(CalibrateArgs),
}

/// `backlot run`.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// Show file (*.show.ron): plays its cue lists (GO over OSC /show/..., MIDI or DMX through
    /// the map, timecode) and runs the scene, stage, control map and layer set it names
    /// (paths relative to the show file). --scene, --stage, --map, --layers and --no-layers
    /// win over what the show names.
    #[arg(long, value_name = "FILE")]
    pub show: Option<PathBuf>,
    /// Scene file (*.scene.ron); default: the show's scene, else scenes/neon_club.scene.ron.
    #[arg(long, value_name = "FILE")]
    pub scene: Option<PathBuf>,
    /// LED stage file (*.stage.ron).
    #[arg(long, value_name = "FILE")]
    pub stage: Option<PathBuf>,
    /// Calibration patches the outputs' `calibration` pattern shows, picked by
    /// `/stage/outputs/<name>/patch` (a patches.csv from `calibrate patches`); default: the
    /// default set `calibrate patches` writes.
    #[arg(long, value_name = "CSV")]
    pub patches: Option<PathBuf>,
    /// Control mapping file (*.map.ron); default: the show's map, else
    /// scenes/maps/default.map.ron.
    #[arg(long, value_name = "FILE")]
    pub map: Option<PathBuf>,
    /// Reactive layer set (*.layers.ron); default: the show's, else the scene's own
    /// (`<scene>.layers.ron` beside it) when there is one.
    #[arg(long, value_name = "FILE")]
    pub layers: Option<PathBuf>,
    /// Run without the scene's default layer set.
    #[arg(long, conflicts_with = "layers")]
    pub no_layers: bool,
    /// OSC UDP port.
    #[arg(long, value_name = "PORT", default_value_t = 9000)]
    pub osc_port: u16,
    /// OSC 1.1 over TCP (SLIP framing) port.
    #[arg(long, value_name = "PORT", default_value_t = 9001)]
    pub osc_tcp_port: u16,
    /// OSCQuery HTTP port.
    #[arg(long, value_name = "PORT", default_value_t = 9000)]
    pub oscquery_port: u16,
    /// Art-Net UDP port.
    #[arg(long, value_name = "PORT", default_value_t = 6454)]
    pub artnet_port: u16,
    /// sACN UDP port.
    #[arg(long, value_name = "PORT", default_value_t = 5568)]
    pub sacn_port: u16,
    /// Network interface for DMX: an IPv4 address or an interface name (`eth1`). sACN joins
    /// its multicast groups there and ArtPollReply announces its address; default: the
    /// system's default interface (and loopback) for multicast, and the address routed toward
    /// each poller.
    #[arg(long, value_name = "ADDR|NAME")]
    pub dmx_interface: Option<String>,
    /// Share the Art-Net and sACN ports with other programs on this machine knowingly (by
    /// default a port another program holds is an error: sharing splits a desk's unicast
    /// packets between the programs).
    #[arg(long)]
    pub dmx_share: bool,
    /// Size of the scene view as WIDTHxHEIGHT (the operator preview, the headless render).
    #[arg(long, value_name = "WxH", default_value = "1280x720", value_parser = parse_size)]
    pub size: (u32, u32),
    /// Run without any window even when a display is available.
    #[arg(long)]
    pub headless: bool,
    /// Run without rendering at all (implies --headless): parameters, control and tracking
    /// servers, physics and hot reload only, e.g. on a machine that only bridges desks.
    #[arg(long)]
    pub no_render: bool,
    /// Stop after this many frames (for scripted runs and tests); default: run until closed.
    #[arg(long, value_name = "N")]
    pub max_frames: Option<u32>,
    /// Replay a recorded take (CSV) as the stage cameras' tracking instead of live trackers.
    #[arg(long, value_name = "FILE", requires = "stage")]
    pub tracking_replay: Option<PathBuf>,
    /// Folder for recorded takes (`/takes/record`).
    #[arg(long, value_name = "DIR", default_value = "takes")]
    pub takes_dir: PathBuf,
    /// Folder where warnings and errors are also written (one file a day, two weeks kept);
    /// default: $XDG_STATE_HOME/backlot/logs, else ~/.local/state/backlot/logs, else ./logs.
    /// `none` writes no file.
    #[arg(long, value_name = "DIR")]
    pub log_dir: Option<PathBuf>,
    /// Write no log file (warnings and errors still reach the terminal).
    #[arg(long, conflicts_with = "log_dir")]
    pub no_log_file: bool,
    /// Log an error when one frame runs longer than this many milliseconds, and count it in
    /// /status/stalls; 0 turns the watchdog off.
    #[arg(long, value_name = "MS", default_value_t = 500)]
    pub watchdog_ms: u64,
    // Network access: who can reach this machine's listeners, and on which sockets.
    /// Address every listener binds (OSC, OSCQuery, Art-Net, sACN, trackers, the OSC feedback
    /// socket); DNS-SD then speaks only on that interface. Default: every interface.
    #[arg(long, value_name = "ADDR", default_value = "0.0.0.0")]
    pub bind: IpAddr,
    /// Address OSC (UDP, TCP, feedback) binds, over --bind.
    #[arg(long, value_name = "ADDR")]
    pub osc_bind: Option<IpAddr>,
    /// Address OSCQuery binds, over --bind.
    #[arg(long, value_name = "ADDR")]
    pub oscquery_bind: Option<IpAddr>,
    /// Address Art-Net and sACN bind, over --bind (sACN multicast needs 0.0.0.0).
    #[arg(long, value_name = "ADDR")]
    pub dmx_bind: Option<IpAddr>,
    /// Address tracker sockets bind, over --bind.
    #[arg(long, value_name = "ADDR")]
    pub tracking_bind: Option<IpAddr>,
    /// Let only these senders reach a protocol (osc, oscquery, dmx, tracking, or all), e.g.
    /// `--allow osc=10.0.0.0/24 --allow dmx=192.168.1.7`; repeatable, added to the map's
    /// `access.allow`. A protocol without any entry lets everyone in. Others are refused
    /// before decoding and counted (`/status/net/<protocol>/refused`).
    #[arg(long = "allow", value_name = "PROTOCOL=CIDR", value_parser = parse_allow)]
    pub allow: Vec<(Option<Protocol>, Cidr)>,
    /// Do not advertise backlot over DNS-SD (mDNS).
    #[arg(long)]
    pub no_mdns: bool,
    /// Do not serve OSCQuery (nor advertise it).
    #[arg(long)]
    pub no_oscquery: bool,
    /// Refuse to start (exit code 2) when a port `run` needs is taken, instead of running
    /// without that listener.
    #[arg(long)]
    pub strict_ports: bool,
    /// Join a render cluster (*.cluster.ron) as the node named by --node; the cluster file
    /// names the stage, and the node's role decides what runs here (see docs/cluster.md).
    #[arg(long, value_name = "FILE", requires = "node", conflicts_with = "stage")]
    pub cluster: Option<PathBuf>,
    /// This machine's node in the cluster file.
    #[arg(long, value_name = "NAME", requires = "cluster")]
    pub node: Option<String>,
}

impl RunArgs {
    /// The network settings these arguments ask for.
    pub fn network(&self) -> NetworkSettings {
        let mut allow = AllowLists::default();
        for (protocol, cidr) in &self.allow {
            allow.add(*protocol, *cidr);
        }
        NetworkSettings {
            bind: self.bind,
            osc: self.osc_bind,
            oscquery: self.oscquery_bind,
            dmx: self.dmx_bind,
            tracking: self.tracking_bind,
            allow,
            mdns: !self.no_mdns,
        }
    }
}

/// Parses `PROTOCOL=CIDR` (`all=` for every protocol).
pub fn parse_allow(text: &str) -> Result<(Option<Protocol>, Cidr), String> {
    let (name, cidr) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not PROTOCOL=CIDR (e.g. osc=10.0.0.0/24)"))?;
    let name = name.trim();
    let protocol = match name {
        "all" => None,
        other => Some(Protocol::from_name(other).ok_or_else(|| {
            format!("`{other}` is not a protocol: osc, oscquery, dmx, tracking or all")
        })?),
    };
    let cidr = Cidr::parse(cidr).map_err(|e| e.to_string())?;
    Ok((protocol, cidr))
}

/// `backlot render`.
#[derive(Args, Debug)]
pub struct RenderArgs {
    /// Scene file (*.scene.ron).
    #[arg(long, value_name = "FILE")]
    pub scene: PathBuf,
    /// LED stage file (*.stage.ron).
    #[arg(long, value_name = "FILE")]
    pub stage: Option<PathBuf>,
    /// Calibration patches the outputs' `calibration` pattern shows, picked by
    /// `/stage/outputs/<name>/patch` (a patches.csv from `calibrate patches`); default: the
    /// default set `calibrate patches` writes.
    #[arg(long, value_name = "CSV")]
    pub patches: Option<PathBuf>,
    /// How many frames to write (at 60 frames per second of scene time).
    #[arg(long, value_name = "N")]
    pub frames: u32,
    /// Output folder (created if missing); frames are written as view-0000.png, view-0001.png, …
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Image size as WIDTHxHEIGHT (the scene view, and camera views with --camera-view).
    #[arg(long, value_name = "WxH", default_value = "1280x720", value_parser = parse_size)]
    pub size: (u32, u32),
    /// Pose of the stage's first camera: x,y,z (metres), pan,tilt,roll (degrees).
    #[arg(long, value_name = "X,Y,Z,PAN,TILT,ROLL", value_parser = parse_pose, allow_hyphen_values = true)]
    pub camera_pose: Option<[f32; 6]>,
    /// Horizontal field of view of the stage's first camera, degrees.
    #[arg(long, value_name = "DEG")]
    pub fov: Option<f32>,
    /// Also write each stage camera's direct view of the scene as camera-<id>-NNNN.png.
    #[arg(long)]
    pub camera_view: bool,
    /// Set a parameter before the first frame, e.g. `--set /stage/outputs/main/pattern=cabinet_grid`
    /// or `--set /scene/lights/key/color=1,0.5,0` (repeatable).
    #[arg(long = "set", value_name = "ADDRESS=VALUE", value_parser = parse_set)]
    pub set: Vec<(String, String)>,
    /// Replay a recorded take (CSV) as the stage cameras' tracking, frame-accurately on the
    /// render's 60 Hz clock (renders never listen to live trackers).
    #[arg(long, value_name = "FILE", requires = "stage")]
    pub tracking_replay: Option<PathBuf>,
    /// Reactive layer set (*.layers.ron): audio files play on the render clock and models
    /// run in step, so renders stay deterministic.
    #[arg(long, value_name = "FILE")]
    pub layers: Option<PathBuf>,
    /// Render as one node of a cluster, in lockstep with the others on the fixed render
    /// clock: the primary publishes each frame, render nodes write their own outputs.
    #[arg(long, value_name = "FILE", requires = "node", conflicts_with = "stage")]
    pub cluster: Option<PathBuf>,
    /// This machine's node in the cluster file.
    #[arg(long, value_name = "NAME", requires = "cluster")]
    pub node: Option<String>,
}

/// Parses `ADDRESS=VALUE`.
pub fn parse_set(text: &str) -> Result<(String, String), String> {
    let (address, value) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not ADDRESS=VALUE"))?;
    Ok((address.trim().to_string(), value.trim().to_string()))
}

/// Parses `x,y,z,pan,tilt,roll`.
pub fn parse_pose(text: &str) -> Result<[f32; 6], String> {
    let values: Vec<f32> = text
        .split(',')
        .map(|v| {
            v.trim()
                .parse::<f32>()
                .map_err(|_| format!("`{v}` in `{text}` is not a number"))
        })
        .collect::<Result<_, _>>()?;
    let pose: [f32; 6] = values
        .try_into()
        .map_err(|_| format!("`{text}` needs six numbers: x,y,z,pan,tilt,roll"))?;
    if pose.iter().all(|v| v.is_finite()) {
        Ok(pose)
    } else {
        Err(format!("`{text}` has a non-finite number"))
    }
}

/// `backlot check`.
#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Files to validate.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// `backlot params`.
#[derive(Args, Debug)]
pub struct ParamsArgs {
    /// Scene file (*.scene.ron).
    #[arg(long, value_name = "FILE")]
    pub scene: PathBuf,
}

/// `backlot calibrate`.
#[derive(Args, Debug)]
pub struct CalibrateArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: CalibrateCommand,
}

/// The calibration steps.
#[derive(Subcommand, Debug)]
pub enum CalibrateCommand {
    /// Write DIR/patches.csv (`id,r,g,b`: signal values 0..1 in the output's encoding): black,
    /// white, primaries, secondaries, grey and primary ramps, skin tones, a spread of the gamut.
    Patches(PatchesArgs),
    /// Fit the wall + camera response from captures of the patches and write the output LUT
    /// that makes the camera record the intended colour.
    Solve(SolveArgs),
}

/// `backlot calibrate patches`.
#[derive(Args, Debug)]
pub struct PatchesArgs {
    /// Folder for patches.csv (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// How many patches (64..4096).
    #[arg(long, value_name = "N", default_value_t = 200)]
    pub count: usize,
    /// The output's transfer (as its stage `transfer`): skin tones and other colours are
    /// encoded with it. srgb, gamma22, gamma24 or linear.
    #[arg(long, value_name = "NAME", default_value = "srgb", value_parser = parse_transfer)]
    pub transfer: Transfer,
}

/// `backlot calibrate solve`.
#[derive(Args, Debug)]
pub struct SolveArgs {
    /// The patch set shown (patches.csv).
    #[arg(long, value_name = "CSV")]
    pub patches: PathBuf,
    /// Folder of captures: capture-<id>.exr (linear), or .png/.tiff/.tif (8- or 16-bit).
    #[arg(long, value_name = "DIR")]
    pub captures: PathBuf,
    /// The LUT to write (.cube), for the output's `lut` in the stage file.
    #[arg(long, value_name = "FILE.cube")]
    pub out: PathBuf,
    /// Also write the report (ΔE2000 before/after on held-out patches, out-of-gamut colours).
    #[arg(long, value_name = "FILE.json")]
    pub report: Option<PathBuf>,
    /// Also write a picture of the held-out patches: intended, before, after.
    #[arg(long, value_name = "FILE.png")]
    pub plot: Option<PathBuf>,
    /// How the 8- and 16-bit captures are encoded: linear or srgb (EXR is always linear).
    #[arg(long, value_name = "NAME", default_value = "srgb", value_parser = parse_transfer)]
    pub capture_transfer: Transfer,
    /// The output's transfer (its stage `transfer`): srgb, gamma22, gamma24 or linear.
    #[arg(long, value_name = "NAME", default_value = "srgb", value_parser = parse_transfer)]
    pub transfer: Transfer,
    /// LUT entries per axis (2..129).
    #[arg(long, value_name = "N", default_value_t = 33)]
    pub lut_size: usize,
}

/// Parses a transfer name.
pub fn parse_transfer(text: &str) -> Result<Transfer, String> {
    Transfer::from_name(text)
        .ok_or_else(|| format!("`{text}` is not a transfer: srgb, gamma22, gamma24 or linear"))
}

/// Parses `1280x720`.
pub fn parse_size(text: &str) -> Result<(u32, u32), String> {
    let (w, h) = text
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("`{text}` is not WIDTHxHEIGHT"))?;
    let w: u32 = w
        .trim()
        .parse()
        .map_err(|_| format!("bad width in `{text}`"))?;
    let h: u32 = h
        .trim()
        .parse()
        .map_err(|_| format!("bad height in `{text}`"))?;
    if !(16..=8192).contains(&w) || !(16..=8192).contains(&h) {
        return Err(format!("size `{text}` must be 16..8192 on each side"));
    }
    Ok((w, h))
}

#[cfg(test)]
#[path = "cli_tests.rs"]
mod tests;
