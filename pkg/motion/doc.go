// Package motion detects motion in a camera stream by comparing consecutive
// keyframes, holding only one reference frame in memory.
//
// The NVR hands every H.264 keyframe (one every 0.5–2 s) to a per-camera
// [Detector] as JPEG bytes. For each frame the detector:
//
//  1. decodes the JPEG with pkg/jpegscale at the smallest of the scales 1/8,
//     1/4, 1/2 and 1/1 that is still at least the analysis width (1/4 for
//     1080p, 1/8 for 4K), and keeps only its luma; what that decoder does not
//     support (progressive, arithmetic coding, 12-bit, CMYK, RGB) it leaves to
//     image/jpeg;
//  2. area-averages the luma to the analysis width (default 320 px);
//  3. takes the absolute difference with the previous keyframe;
//  4. erodes the difference with a 3×3 minimum filter, which removes speckle
//     noise and hot pixels: a change survives only where a whole 3×3
//     neighbourhood changed;
//  5. subtracts a threshold a little above the mean eroded difference over the
//     monitored area (mean×[MeanFactor] + [NoiseFloor]), so uniform lighting
//     changes and spread-out noise cancel;
//  6. reports the RMS of what remains, over the monitored area, as the score.
//
// The score is in grey levels (0..255). Large, closely grouped changes score
// high: an object that covers a fraction f of the monitored area and differs
// from the background by Δ grey levels scores roughly (Δ − level)×√(2f),
// since it shows up at its old and at its new place; a 20×45 px person at
// 320×180 (1.6% of the frame), 100 levels darker than the background, scores
// about 13. Isolated changed pixels vanish in the erosion and score 0.
//
// # Zones and masks
//
// Zones are polygons in which motion counts; masks are polygons that are
// ignored (a timestamp overlay, a tree). Both use image fractions, x and y in
// 0..1 from the top-left corner. With no zones the whole frame counts. The
// polygons are rasterised once per configuration and analysis size into a
// bitmask, not per frame.
//
// # Global changes
//
// When most of the monitored area changes at once (lights switched on, the
// camera's IR day/night switch, a large auto-exposure jump), the frame is
// reported as a [Result.GlobalChange] with score 0, and it simply becomes
// the new reference. Precisely: a frame is a global change when at least
// [GlobalChangeFraction] of the monitored pixels have an eroded difference
// of [ChangeLevel] grey levels or more. An object that covers more than half
// the view (someone right in front of the lens) is reported the same way.
//
// # Threshold
//
// [DefaultThreshold] (2.0) was tuned on synthetic 320×180 clips, see
// detector_tune_test.go (go test -v -run TestThresholdTuning prints the
// table). With [MeanFactor] 2 and [NoiseFloor] 4, every "no motion" clip
// scores at most 0.18: per-pixel Gaussian noise up to σ=8, uniform
// brightness steps of 4–11 levels, a lighting gradient of 0–12 levels across
// the frame, hot pixels and 2% salt-and-pepper speckle. Moving objects score:
//
//	object area   Δ=25   Δ=40   Δ=60 (grey levels, noise σ=3)
//	0.5%          1.2    2.5    4.3
//	1%            1.7    3.6    6.0
//	2%            2.4    5.1    8.6
//	4%            3.1    6.5   11.1
//	8%            3.3    7.3   12.7
//
// 2.0 is more than ten times the worst noise clip and still catches an
// object of 0.5% of the view with 40 levels of contrast, or of 2% with 25
// levels. (MeanFactor and NoiseFloor were chosen the same way: 2 and 4 cut
// the noise scores by almost three compared with 1.5 and 3, for about 5%
// less on objects.) Raise the threshold to 4–6 for cameras that look at
// foliage, water or busy roads; lower it to 1–1.5 to catch small,
// low-contrast objects in a clean scene.
//
// # Cost
//
// A [Detector] decodes a 1080p keyframe and scores it in about 5 ms on one
// core (image/jpeg alone needs 25–35 ms to decode the same frame) and
// does not allocate per frame once warmed up; see bench_test.go.
package motion
