package main

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// peerStyle is how a peer's curves look, the same in every chart:
// simplehttp drawn thicker, each peer with its own color and glyph.
var peerStyle = map[string]struct {
	color color.Color
	glyph draw.GlyphDrawer
}{
	"simplehttp": {color.RGBA{0, 90, 181, 255}, draw.CircleGlyph{}},
	"fileserver": {color.RGBA{220, 50, 32, 255}, draw.SquareGlyph{}},
	"caddy":      {color.RGBA{26, 133, 70, 255}, draw.TriangleGlyph{}},
	"nginx":      {color.RGBA{230, 159, 0, 255}, draw.PyramidGlyph{}},
	"python":     {color.RGBA{110, 110, 110, 255}, draw.CrossGlyph{}},
	"rclone":     {color.RGBA{148, 52, 160, 255}, draw.RingGlyph{}},
	"ceiling":    {color.RGBA{0, 0, 0, 255}, draw.BoxGlyph{}},
}

// chartWidth and chartHeight are the size of every PNG (at 96 dpi,
// about 770x400 pixels); legendWidth of it, on the right, holds the
// legend, so that no curve runs under it.
const (
	chartWidth  = 8 * vg.Inch
	chartHeight = 4.2 * vg.Inch
	legendWidth = 1.75 * vg.Inch
)

// writeCharts draws each chart of s into dir as a PNG and returns the
// files written.
func writeCharts(dir string, s *sweep, peers []string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var files []string
	for _, c := range s.charts {
		p, leg, err := plotChart(s, c, peers)
		if err != nil {
			return files, fmt.Errorf("%s: %v", c.file, err)
		}
		path := filepath.Join(dir, c.file)
		if err := savePNG(path, p, leg); err != nil {
			return files, fmt.Errorf("%s: %v", c.file, err)
		}
		files = append(files, path)
	}
	return files, nil
}

// savePNG draws p with leg to its right into a PNG file.
func savePNG(path string, p *plot.Plot, leg plot.Legend) error {
	img := vgimg.New(chartWidth, chartHeight)
	dc := draw.New(img)
	p.Draw(draw.Crop(dc, vg.Points(4), -legendWidth, vg.Points(4), -vg.Points(8)))
	leg.Draw(draw.Crop(dc, chartWidth-legendWidth+vg.Points(8), 0, 0, -vg.Points(30)))
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// plotChart builds the plot of one chart and its legend: a line with
// markers per peer (and per metric, dashed after the first), log axes
// where the chart asks, points that cannot be drawn (unmeasured, or not
// positive on a log axis) left out.
func plotChart(s *sweep, c chart, peers []string) (*plot.Plot, plot.Legend, error) {
	p := plot.New()
	p.Title.Text = c.title
	p.X.Label.Text = s.xLabel
	p.Y.Label.Text = c.yLabel
	leg := plot.NewLegend()
	leg.Top, leg.Left = true, true
	p.Add(plotter.NewGrid())
	if c.logX {
		p.X.Scale = plot.LogScale{}
		origin, step := 1.0, 10.0
		if s.key == "filesize" {
			origin, step = 1024, 16
		}
		p.X.Tick.Marker = logTicks{origin: origin, step: step, format: s.xFormat}
	} else {
		p.X.Tick.Marker = linearTicks{}
	}
	if c.logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{origin: 1, step: 10, format: formatAxis}
	} else {
		p.Y.Min = 0
		p.Y.Tick.Marker = linearTicks{}
	}
	drawn := 0
	for mi, key := range c.metrics {
		m := s.metric(key)
		for _, peer := range peers {
			vals := m.vals[peer]
			if vals == nil {
				continue
			}
			var xys plotter.XYs
			for i, x := range s.xs {
				y := vals[i]
				if math.IsNaN(y) || (c.logY && y <= 0) || (c.logX && x <= 0) {
					continue
				}
				xys = append(xys, plotter.XY{X: x, Y: y})
			}
			if len(xys) == 0 {
				continue
			}
			line, pts, err := plotter.NewLinePoints(xys)
			if err != nil {
				return nil, leg, err
			}
			st := peerStyle[peer] // every peer has one (TestPeerStyles)
			line.Color, pts.Color = st.color, st.color
			line.Width = vg.Points(1.5)
			if peer == base {
				line.Width = vg.Points(2.5)
			}
			if mi > 0 {
				line.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
			}
			pts.Shape = st.glyph
			pts.Radius = vg.Points(3)
			p.Add(line, pts)
			if bars, err := roundBars(s, c, m, peer); err != nil {
				return nil, leg, err
			} else if bars != nil {
				bars.Color = st.color
				p.Add(bars)
			}
			label := peer
			if len(c.metrics) > 1 {
				label += " " + m.title
			}
			leg.Add(label, line, pts)
			drawn++
		}
	}
	if drawn == 0 {
		return nil, leg, fmt.Errorf("nothing measured to draw")
	}
	return p, leg, nil
}

// roundBars returns the bars that span the lowest to the highest round
// of peer's points of m, where they were measured in rounds, or nil
// where none were.
func roundBars(s *sweep, c chart, m *metric, peer string) (*plotter.YErrorBars, error) {
	var pts struct {
		plotter.XYs
		plotter.YErrors
	}
	for i, x := range s.xs {
		y, lo, hi := m.vals[peer][i], at(m.lo[peer], i), at(m.hi[peer], i)
		if math.IsNaN(y) || math.IsNaN(lo) || math.IsNaN(hi) || hi <= lo || (c.logY && lo <= 0) || (c.logX && x <= 0) {
			continue
		}
		pts.XYs = append(pts.XYs, plotter.XY{X: x, Y: y})
		pts.YErrors = append(pts.YErrors, struct{ Low, High float64 }{y - lo, hi - y})
	}
	if len(pts.XYs) == 0 {
		return nil, nil
	}
	bars, err := plotter.NewYErrorBars(pts)
	if err != nil {
		return nil, err
	}
	bars.Width = vg.Points(1)
	bars.CapWidth = vg.Points(5)
	return bars, nil
}

// linearTicks marks a linear axis every 1, 2 or 5 x 10^k, so that there
// are about five labelled ticks, with our labels (1,000 rather than
// 1000.00) and an unlabelled one halfway between each.
type linearTicks struct{}

func (linearTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) {
		return []plot.Tick{{Value: lo, Label: formatAxis(lo)}}
	}
	step := niceStep((hi - lo) / 5)
	var out []plot.Tick
	for v := math.Ceil(lo/step) * step; v <= hi+step*1e-9; v += step {
		out = append(out, plot.Tick{Value: v, Label: formatAxis(v)})
		if mid := v + step/2; mid <= hi {
			out = append(out, plot.Tick{Value: mid})
		}
	}
	return out
}

// niceStep rounds x > 0 up to 1, 2 or 5 x 10^k.
func niceStep(x float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= x*(1-1e-9) {
			return m * p
		}
	}
	return 10 * p
}

// logTicks marks a log axis: labelled ticks at origin*step^k, unlabelled
// ones at the whole multiples in between (for step 10: 2..9 x 10^k),
// labels on those too when the range holds fewer than two labelled ones,
// and on 2 and 5 x 10^k when it spans three decades or less.
type logTicks struct {
	origin, step float64
	format       func(float64) string
}

func (t logTicks) Ticks(lo, hi float64) []plot.Tick {
	if lo <= 0 || hi <= 0 || hi < lo {
		return nil
	}
	const eps = 1e-9
	in := func(v float64) bool { return v >= lo*(1-eps) && v <= hi*(1+eps) }
	type mark struct {
		v float64
		m float64 // the multiple of the power below it: 1 for a major tick
	}
	var marks []mark
	majors := 0
	k := math.Floor(math.Log(lo/t.origin) / math.Log(t.step))
	for v := t.origin * math.Pow(t.step, k); v <= hi*(1+eps); v *= t.step {
		for m := 1.0; m < t.step; m++ {
			if in(v * m) {
				marks = append(marks, mark{v * m, m})
				if m == 1 {
					majors++
				}
			}
		}
	}
	var out []plot.Tick
	for _, mk := range marks {
		tk := plot.Tick{Value: mk.v}
		if mk.m == 1 || majors < 2 || (majors <= 3 && t.step == 10 && (mk.m == 2 || mk.m == 5)) {
			tk.Label = t.format(mk.v)
		}
		out = append(out, tk)
	}
	if len(out) == 0 { // a range inside one step: its ends
		out = []plot.Tick{{Value: lo, Label: t.format(lo)}, {Value: hi, Label: t.format(hi)}}
	}
	return out
}

// formatAxis prints a value axis label: 0.01, 0.5, 10, 1,000, 100,000.
func formatAxis(v float64) string {
	if v >= 1 && v == math.Trunc(v) {
		return formatCount(v)
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.4f", v), "0"), ".")
}
