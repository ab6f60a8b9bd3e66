package qr

import "testing"

func TestDecodeScale(t *testing.T) {
	for _, c := range []struct{ w, want int }{
		{640, 1}, {1920, 1}, {1921, 2}, {2560, 2}, {3840, 2}, {3841, 4}, {7680, 4}, {7681, 8}, {100000, 8},
	} {
		if got := DecodeScale(c.w); got != c.want {
			t.Errorf("DecodeScale(%d) = %d, want %d", c.w, got, c.want)
		}
		if s := DecodeScale(c.w); s < 8 && (c.w+s-1)/s > MaxWidth {
			t.Errorf("DecodeScale(%d) = %d leaves %d px, more than MaxWidth", c.w, s, (c.w+s-1)/s)
		}
	}
}
