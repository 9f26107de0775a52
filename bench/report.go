package bench

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// computeRatios sets each record's ratio to the no-op floor of the same N, parallelism and
// phase.
func computeRatios(recs []Record) {
	type key struct {
		n, par int
		phase  string
	}
	floor := map[key]float64{}
	for _, r := range recs {
		if r.Scenario == NoopScenario && r.Error == "" {
			floor[key{r.N, r.Parallelism, r.Phase}] = r.WallSeconds
		}
	}
	for i := range recs {
		if f := floor[key{recs[i].N, recs[i].Parallelism, recs[i].Phase}]; f > 0 {
			recs[i].RatioToNoop = round(recs[i].WallSeconds/f, 2)
		}
	}
}

// scalingOf compares, for each set scenario, parallelism and phase, the wall time at the
// smallest N with that at the largest (failed runs left out).
func scalingOf(scens []Scenario, recs []Record) []Scaling {
	type key struct {
		scenario string
		par      int
		phase    string
	}
	byKey := map[key][]Record{}
	var order []key
	for _, sc := range scens {
		if !sc.Set {
			continue
		}
		for _, r := range recs {
			k := key{r.Scenario, r.Parallelism, r.Phase}
			if r.Scenario != sc.Name || r.Error != "" || r.WallSeconds <= 0 {
				continue
			}
			if byKey[k] == nil {
				order = append(order, k)
			}
			byKey[k] = append(byKey[k], r)
		}
	}
	var out []Scaling
	for _, k := range order {
		rs := byKey[k]
		sort.SliceStable(rs, func(i, j int) bool { return rs[i].N < rs[j].N })
		first, last := rs[0], rs[len(rs)-1]
		if first.N == last.N {
			continue
		}
		s := Scaling{Scenario: k.scenario, Parallelism: k.par, Phase: k.phase,
			NRatio: round(float64(last.N)/float64(first.N), 2), TimeRatio: round(last.WallSeconds/first.WallSeconds, 2),
			ProviderCPURatio:  ratio(last.ProviderCPUSeconds, first.ProviderCPUSeconds),
			TerraformCPURatio: ratio(last.CPUSeconds-last.ProviderCPUSeconds, first.CPUSeconds-first.ProviderCPUSeconds)}
		for _, r := range rs {
			s.Ns, s.WallSeconds = append(s.Ns, r.N), append(s.WallSeconds, r.WallSeconds)
		}
		out = append(out, s)
	}
	return out
}

func ratio(a, b float64) float64 {
	if b <= 0 {
		return 0
	}
	return round(a/b, 2)
}

// PrintTable writes the results as a Markdown table (readable as text too), then the requests
// per object by route and the figures above the minimum.
func PrintTable(w io.Writer, res *Results) {
	fmt.Fprintf(w, "%s, %s, %d CPUs, %s\n\n", res.TerraformVersion, res.GoVersion, res.CPUs, res.OS)
	rows := [][]string{{"scenario", "N", "parallelism", "phase", "wall s", "× no-op", "req/obj", "read/obj", "write/obj", "delete/obj", "CPU s (provider)", "emulator CPU s", "other CPU s", "provider RSS MB"}}
	for _, r := range res.Records {
		par := strconv.Itoa(r.Parallelism)
		if !r.ParallelismFlag {
			par += " (default)"
		}
		ratio := "-"
		if r.RatioToNoop > 0 {
			ratio = fmt.Sprintf("%.2f", r.RatioToNoop)
		}
		rss := "-"
		if r.ProviderPeakRSSMB > 0 {
			rss = fmt.Sprintf("%.0f", r.ProviderPeakRSSMB)
		}
		wall := fmt.Sprintf("%.2f", r.WallSeconds)
		if r.Error != "" {
			wall += " FAILED"
		}
		req := fmt.Sprintf("%.2f", r.RequestsPerObject)
		if r.AboveMinimum != "" {
			req += " *"
		}
		cpu := fmt.Sprintf("%.1f", r.CPUSeconds)
		if r.ProviderCPUSeconds > 0 {
			cpu += fmt.Sprintf(" (%.1f)", r.ProviderCPUSeconds)
		}
		rows = append(rows, []string{r.Scenario, strconv.Itoa(r.N), par, r.Phase, wall, ratio, req,
			perObj(r.ReadsPerObject), perObj(r.WritesPerObject), perObj(r.DeletesPerObject), cpu,
			fmt.Sprintf("%.1f", r.EmulatorCPUSeconds), fmt.Sprintf("%.1f", r.OtherCPUSeconds), rss})
	}
	writeMarkdown(w, rows, []bool{false, true, true, false, true, true, true, true, true, true, true, true, true, true})

	if len(res.Scaling) > 0 {
		fmt.Fprintf(w, "\nScaling of the set scenarios (one resource of N members): wall seconds by N, and the time at the\n"+
			"largest N over the time at the smallest (linear growth: the ratio of the Ns), then the same ratio\n"+
			"for the CPU of the provider processes and of terraform itself:\n\n")
		rows := [][]string{{"scenario", "parallelism", "phase", "wall s by N", "time ratio", "N ratio", "provider CPU ratio", "terraform CPU ratio"}}
		for _, s := range res.Scaling {
			var walls []string
			for i, n := range s.Ns {
				walls = append(walls, fmt.Sprintf("%d: %.2f", n, s.WallSeconds[i]))
			}
			rows = append(rows, []string{s.Scenario, strconv.Itoa(s.Parallelism), s.Phase, strings.Join(walls, ", "),
				fmt.Sprintf("%.2f", s.TimeRatio), fmt.Sprintf("%.2f", s.NRatio), ratioCell(s.ProviderCPURatio), ratioCell(s.TerraformCPURatio)})
		}
		writeMarkdown(w, rows, []bool{false, true, false, false, true, true, true, true})
	}

	fmt.Fprintf(w, "\nCPU s: terraform and its provider processes (the provider's share); emulator CPU s: the\n"+
		"emulator's meanwhile; other CPU s: the rest of the machine meanwhile (other programs, hypervisor\n"+
		"steal): large values mean the wall time was disturbed.\n")
	fmt.Fprintf(w, "\nRequests per object by route (first parallelism of each N; `*` above: more than the minimum):\n\n")
	seen := map[string]bool{}
	for _, r := range res.Records {
		if len(r.Routes) == 0 {
			continue
		}
		k := fmt.Sprintf("%s/%d/%s", r.Scenario, r.N, r.Phase)
		if seen[k] {
			continue
		}
		seen[k] = true
		var parts []string
		for _, rt := range r.Routes {
			parts = append(parts, fmt.Sprintf("%s %s %.2f", rt.Method, rt.Route, rt.PerObject))
		}
		fmt.Fprintf(w, "- %s N=%d %s: %s\n", r.Scenario, r.N, r.Phase, strings.Join(parts, ", "))
		if r.AboveMinimum != "" {
			fmt.Fprintf(w, "  * above the minimum: %s\n", r.AboveMinimum)
		}
	}
}

func ratioCell(v float64) string {
	if v == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", v)
}

func perObj(v float64) string {
	if v == 0 {
		return "0"
	}
	return fmt.Sprintf("%.2f", v)
}

// writeMarkdown writes an aligned Markdown table; right[i] right-aligns column i.
func writeMarkdown(w io.Writer, rows [][]string, right []bool) {
	width := make([]int, len(rows[0]))
	for i := range width {
		width[i] = 3 // a delimiter cell needs a hyphen besides its colon
	}
	for _, row := range rows {
		for i, c := range row {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	line := func(row []string) {
		var b strings.Builder
		b.WriteString("|")
		for i, c := range row {
			pad := strings.Repeat(" ", width[i]-len([]rune(c)))
			if right[i] {
				b.WriteString(" " + pad + c + " |")
			} else {
				b.WriteString(" " + c + pad + " |")
			}
		}
		fmt.Fprintln(w, b.String())
	}
	line(rows[0])
	var b strings.Builder
	b.WriteString("|")
	for i := range width {
		dashes := strings.Repeat("-", width[i])
		if right[i] {
			dashes = dashes[:len(dashes)-1] + ":"
		}
		b.WriteString(" " + dashes + " |")
	}
	fmt.Fprintln(w, b.String())
	for _, row := range rows[1:] {
		line(row)
	}
}
