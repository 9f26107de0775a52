package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// TestMatchesTerraform checks that this program writes what
// `terraform providers schema -json` writes for the real provider, on a
// Terraform that knows every schema feature the provider uses (1.11+:
// write-only attributes). make test sets TF_ACC_TERRAFORM_PATH.
func TestMatchesTerraform(t *testing.T) {
	tf := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if tf == "" {
		t.Skip("TF_ACC_TERRAFORM_PATH not set")
	}
	var ver struct {
		Version string `json:"terraform_version"`
	}
	out, err := exec.Command(tf, "version", "-json").Output()
	if err != nil || json.Unmarshal(out, &ver) != nil {
		t.Skipf("%s version -json: %v", tf, err)
	}
	if !atLeast(ver.Version, 1, 11) || strings.Contains(tf, "tofu") {
		t.Skipf("needs Terraform 1.11 or later, have %s %s", tf, ver.Version)
	}

	dir := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "terraform-provider-batchops"), "../..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	rc := filepath.Join(dir, "terraformrc")
	writeFile(t, rc, `provider_installation {
  dev_overrides {
    "hashicorp/batchops" = "`+dir+`"
  }
  direct {}
}
`)
	writeFile(t, filepath.Join(dir, "main.tf"), `provider "batchops" {}`+"\n")
	cmd := exec.Command(tf, "providers", "schema", "-json")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1")
	cmd.Stderr = os.Stderr
	want, err := cmd.Output()
	if err != nil {
		t.Fatalf("terraform providers schema -json: %v", err)
	}

	got, err := providersSchema(context.Background())
	if err != nil {
		t.Fatal(err)
	}

	w, g := providerOf(t, want), providerOf(t, got)
	// Identity schemas appear in Terraform's output only from 1.12 on.
	if !atLeast(ver.Version, 1, 12) {
		delete(g, "resource_identity_schemas")
	}
	if !reflect.DeepEqual(w, g) {
		wj, _ := json.MarshalIndent(w, "", "  ")
		gj, _ := json.MarshalIndent(g, "", "  ")
		t.Errorf("schema differs from Terraform %s's\n--- terraform:\n%s\n--- providers-schema:\n%s", ver.Version, wj, gj)
	}
}

func providerOf(t *testing.T, doc []byte) map[string]any {
	t.Helper()
	var v struct {
		ProviderSchemas map[string]map[string]any `json:"provider_schemas"`
	}
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatal(err)
	}
	p, ok := v.ProviderSchemas[providerAddress]
	if !ok {
		t.Fatalf("no %s in %s", providerAddress, doc)
	}
	return p
}

// atLeast reports whether version "X.Y.Z[-suffix]" is at least major.minor.
func atLeast(version string, major, minor int) bool {
	parts := strings.SplitN(version, ".", 3)
	if len(parts) < 2 {
		return false
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return false
	}
	return ma > major || (ma == major && mi >= minor)
}

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
