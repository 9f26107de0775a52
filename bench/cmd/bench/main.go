// Command bench runs the provider's benchmark (design.md §7): `make bench`, or
//
//	go run ./bench/cmd/bench [-n 100,1000] [-parallelism 0,50] [-scenarios azure_batch_task,...|sets] [-out bench/results.json]
//
// It prints a Markdown table (also written next to the JSON as results.md) and writes the
// JSON results. Progress goes to stderr.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/batchops/terraform-provider-batchops/bench"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run() error {
	var cfg bench.Config
	ns := flag.String("n", "100,1000", "comma-separated object counts")
	pars := flag.String("parallelism", "0,50", "comma-separated -parallelism values; 0 = Terraform's default (10)")
	scen := flag.String("scenarios", "", "comma-separated scenarios (default all: "+strings.Join(bench.ScenarioNames(), ", ")+
		"), or "+bench.SetsSelector+" for every set scenario; the no-op floor runs along with any scenario of N resources")
	flag.StringVar(&cfg.Out, "out", "", "results JSON file (default bench/results.json under the repository root)")
	flag.StringVar(&cfg.Terraform, "terraform", "", "Terraform CLI (default $TF_ACC_TERRAFORM_PATH, else terraform on PATH)")
	flag.StringVar(&cfg.WorkDir, "work", "", "working directory (default a temporary one)")
	flag.BoolVar(&cfg.Keep, "keep", false, "keep the working directory (state, logs, emulator files)")
	flag.DurationVar(&cfg.CommandTimeout, "timeout", 30*time.Minute, "limit for one terraform command")
	flag.Parse()

	var err error
	if cfg.Ns, err = ints(*ns); err != nil {
		return fmt.Errorf("-n: %w", err)
	}
	if cfg.Parallelism, err = ints(*pars); err != nil {
		return fmt.Errorf("-parallelism: %w", err)
	}
	if *scen != "" {
		cfg.Scenarios = strings.Split(*scen, ",")
	}
	if cfg.Root, err = bench.FindRoot(); err != nil {
		return err
	}
	if cfg.Out == "" {
		cfg.Out = filepath.Join(cfg.Root, "bench", "results.json")
	}
	cfg.Log = os.Stderr

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, runErr := bench.Run(ctx, cfg)
	if res != nil {
		var b strings.Builder
		bench.PrintTable(&b, res)
		fmt.Print("\n" + b.String())
		md := strings.TrimSuffix(cfg.Out, filepath.Ext(cfg.Out)) + ".md"
		if err := os.WriteFile(md, []byte(b.String()), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "bench: wrote %s and %s\n", cfg.Out, md)
	}
	return runErr
}

func ints(s string) ([]int, error) {
	var out []int
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		v, err := strconv.Atoi(f)
		if err != nil || v < 0 {
			return nil, fmt.Errorf("%q is not a non-negative integer", f)
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty list")
	}
	return out, nil
}
