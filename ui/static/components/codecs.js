// Which recorded video this browser can play, and the one sentence shown where it cannot. nvrd names a
// playlist's codec in its X-Video-Codec header ("h264" or "h265", from the footage itself), so a player
// can tell before hls.js or the <video> element fails without a word (Chromium without HEVC does).
import { html } from './html.js';

/** CODEC_HEADER is the playlist response header that names the footage's video codec. */
export const CODEC_HEADER = 'X-Video-Codec';

// The least each codec needs: H.264 Baseline 3.0, HEVC Main level 3.1.
const TYPES = { h264: 'video/mp4; codecs="avc1.42E01E"', h265: 'video/mp4; codecs="hvc1.1.6.L93.B0"' };

/**
 * canPlayCodec reports whether this browser decodes codec ("h264", "h265"): through MediaSource (how
 * hls.js plays) when how is 'mse', as a file in a <video> element (an MP4 export) when 'file'. An
 * unknown or missing codec is taken as playable: the player's own error speaks then.
 */
export function canPlayCodec(codec, how = 'mse') {
  const type = TYPES[codec];
  if (!type) return true;
  if (how === 'mse') return typeof MediaSource !== 'undefined' && MediaSource.isTypeSupported(type);
  return document.createElement('video').canPlayType(type) !== '';
}

/** codecOf reads CODEC_HEADER from a fetch Response or an XMLHttpRequest (hls.js's networkDetails). */
export function codecOf(res) {
  if (!res) return '';
  if (res.headers && typeof res.headers.get === 'function') return res.headers.get(CODEC_HEADER) || '';
  if (typeof res.getResponseHeader === 'function') return res.getResponseHeader(CODEC_HEADER) || '';
  return '';
}

/** unplayableSentence is the sentence for footage in a codec this browser cannot play. */
export function unplayableSentence(codec) {
  const name = codec === 'h265' ? 'H.265 (HEVC)' : codec.toUpperCase();
  return `This recording is ${name}, which this browser cannot play; download it as MP4 to watch it in a video player, or open it in a browser that decodes HEVC (Safari, or Chrome and Edge with hardware decoding).`;
}

/** CodecNotice shows unplayableSentence(codec) with "download it as MP4" a link to download (a URL), if given. */
export function CodecNotice({ codec, download }) {
  const s = unplayableSentence(codec);
  const [head, tail] = s.split('download it as MP4');
  return html`<p class="error codec-notice" role="alert">${head}${download
    ? html`<a href=${download} download>download it as MP4</a>` : 'download it as MP4'}${tail}</p>`;
}
