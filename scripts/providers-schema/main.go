// Command providers-schema prints the provider's schema in the JSON format of
// `terraform providers schema -json`, read straight from the provider in
// process, for `tfplugindocs generate --providers-schema`.
//
// Why not ask the Terraform CLI: its output depends on the CLI version.
// Terraform 1.5.7, the newest that builds from the Go module proxy, predates
// write-only attributes and drops their write_only flag, so docs generated on
// a machine without a newer terraform on PATH would differ from docs generated
// with one, and `make docs-check` would fail on one of them. Reading the
// schema from the provider itself gives the same docs everywhere.
//
// Usage: go run ./scripts/providers-schema [-o FILE]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/batchops/terraform-provider-batchops/internal/provider"
)

// providerAddress is the key tfplugindocs looks up for provider "batchops"
// (it tries "batchops" and "registry.terraform.io/hashicorp/batchops").
const providerAddress = "registry.terraform.io/hashicorp/batchops"

// The types below mirror Terraform's internal/command/jsonprovider, which is
// what hashicorp/terraform-json (and so tfplugindocs) parses.

type schemasJSON struct {
	FormatVersion   string                   `json:"format_version"`
	ProviderSchemas map[string]*providerJSON `json:"provider_schemas"`
}

type providerJSON struct {
	Provider                 *schemaJSON              `json:"provider,omitempty"`
	ResourceSchemas          map[string]*schemaJSON   `json:"resource_schemas,omitempty"`
	DataSourceSchemas        map[string]*schemaJSON   `json:"data_source_schemas,omitempty"`
	EphemeralResourceSchemas map[string]*schemaJSON   `json:"ephemeral_resource_schemas,omitempty"`
	ResourceIdentitySchemas  map[string]*identityJSON `json:"resource_identity_schemas,omitempty"`
}

type schemaJSON struct {
	Version int64      `json:"version"`
	Block   *blockJSON `json:"block,omitempty"`
}

type blockJSON struct {
	Attributes      map[string]*attributeJSON `json:"attributes,omitempty"`
	BlockTypes      map[string]*blockTypeJSON `json:"block_types,omitempty"`
	Description     string                    `json:"description,omitempty"`
	DescriptionKind string                    `json:"description_kind,omitempty"`
	Deprecated      bool                      `json:"deprecated,omitempty"`
}

type attributeJSON struct {
	AttributeType       json.RawMessage `json:"type,omitempty"`
	AttributeNestedType *nestedTypeJSON `json:"nested_type,omitempty"`
	Description         string          `json:"description,omitempty"`
	DescriptionKind     string          `json:"description_kind,omitempty"`
	Deprecated          bool            `json:"deprecated,omitempty"`
	Required            bool            `json:"required,omitempty"`
	Optional            bool            `json:"optional,omitempty"`
	Computed            bool            `json:"computed,omitempty"`
	Sensitive           bool            `json:"sensitive,omitempty"`
	WriteOnly           bool            `json:"write_only,omitempty"`
}

type nestedTypeJSON struct {
	Attributes  map[string]*attributeJSON `json:"attributes,omitempty"`
	NestingMode string                    `json:"nesting_mode,omitempty"`
}

type blockTypeJSON struct {
	NestingMode string     `json:"nesting_mode,omitempty"`
	Block       *blockJSON `json:"block,omitempty"`
	MinItems    int64      `json:"min_items,omitempty"`
	MaxItems    int64      `json:"max_items,omitempty"`
}

type identityJSON struct {
	Version    int64                             `json:"version"`
	Attributes map[string]*identityAttributeJSON `json:"attributes,omitempty"`
}

type identityAttributeJSON struct {
	IdentityType      json.RawMessage `json:"type,omitempty"`
	Description       string          `json:"description,omitempty"`
	RequiredForImport bool            `json:"required_for_import,omitempty"`
	OptionalForImport bool            `json:"optional_for_import,omitempty"`
}

func main() {
	out := flag.String("o", "", "write the JSON to this file instead of stdout")
	flag.Parse()

	doc, err := providersSchema(context.Background())
	if err == nil {
		if *out == "" {
			_, err = os.Stdout.Write(doc)
		} else {
			err = os.WriteFile(*out, doc, 0o644)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "providers-schema:", err)
		os.Exit(1)
	}
}

// providersSchema returns the JSON document.
func providersSchema(ctx context.Context) ([]byte, error) {
	server := providerserver.NewProtocol6(provider.New("docs")())()

	resp, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		return nil, err
	}
	if err := diagError(resp.Diagnostics); err != nil {
		return nil, err
	}
	// Fail loudly rather than write docs that silently miss a kind of object.
	if n := len(resp.Functions) + len(resp.ListResourceSchemas) + len(resp.ActionSchemas) + len(resp.StateStoreSchemas); n > 0 {
		return nil, fmt.Errorf("the provider has functions, list resources, actions or state stores; teach scripts/providers-schema to convert them")
	}

	p := &providerJSON{
		Provider:                 convertSchema(resp.Provider),
		ResourceSchemas:          convertSchemas(resp.ResourceSchemas),
		DataSourceSchemas:        convertSchemas(resp.DataSourceSchemas),
		EphemeralResourceSchemas: convertSchemas(resp.EphemeralResourceSchemas),
	}

	ids, err := server.GetResourceIdentitySchemas(ctx, &tfprotov6.GetResourceIdentitySchemasRequest{})
	if err != nil {
		return nil, err
	}
	if err := diagError(ids.Diagnostics); err != nil {
		return nil, err
	}
	for name, s := range ids.IdentitySchemas {
		if p.ResourceIdentitySchemas == nil {
			p.ResourceIdentitySchemas = map[string]*identityJSON{}
		}
		p.ResourceIdentitySchemas[name] = convertIdentity(s)
	}

	doc, err := json.MarshalIndent(schemasJSON{
		FormatVersion:   "1.0",
		ProviderSchemas: map[string]*providerJSON{providerAddress: p},
	}, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(doc, '\n'), nil
}

func diagError(diags []*tfprotov6.Diagnostic) error {
	var msgs []string
	for _, d := range diags {
		if d != nil && d.Severity == tfprotov6.DiagnosticSeverityError {
			msgs = append(msgs, d.Summary+": "+d.Detail)
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	sort.Strings(msgs)
	return fmt.Errorf("provider reported errors:\n%s", strings.Join(msgs, "\n"))
}

func convertSchemas(in map[string]*tfprotov6.Schema) map[string]*schemaJSON {
	if len(in) == 0 {
		return nil
	}
	out := make(map[string]*schemaJSON, len(in))
	for name, s := range in {
		out[name] = convertSchema(s)
	}
	return out
}

func convertSchema(s *tfprotov6.Schema) *schemaJSON {
	if s == nil {
		return nil
	}
	return &schemaJSON{Version: s.Version, Block: convertBlock(s.Block)}
}

func convertBlock(b *tfprotov6.SchemaBlock) *blockJSON {
	out := &blockJSON{}
	if b == nil {
		return out
	}
	out.Description = b.Description
	out.DescriptionKind = descriptionKind(b.DescriptionKind)
	out.Deprecated = b.Deprecated
	for _, a := range b.Attributes {
		if out.Attributes == nil {
			out.Attributes = map[string]*attributeJSON{}
		}
		out.Attributes[a.Name] = convertAttribute(a)
	}
	for _, bt := range b.BlockTypes {
		if out.BlockTypes == nil {
			out.BlockTypes = map[string]*blockTypeJSON{}
		}
		out.BlockTypes[bt.TypeName] = &blockTypeJSON{
			NestingMode: strings.ToLower(bt.Nesting.String()),
			Block:       convertBlock(bt.Block),
			MinItems:    bt.MinItems,
			MaxItems:    bt.MaxItems,
		}
	}
	return out
}

func convertAttribute(a *tfprotov6.SchemaAttribute) *attributeJSON {
	out := &attributeJSON{
		Description:     a.Description,
		DescriptionKind: descriptionKind(a.DescriptionKind),
		Deprecated:      a.Deprecated,
		Required:        a.Required,
		Optional:        a.Optional,
		Computed:        a.Computed,
		Sensitive:       a.Sensitive,
		WriteOnly:       a.WriteOnly,
	}
	if a.NestedType != nil {
		nt := &nestedTypeJSON{NestingMode: strings.ToLower(a.NestedType.Nesting.String())}
		for _, na := range a.NestedType.Attributes {
			if nt.Attributes == nil {
				nt.Attributes = map[string]*attributeJSON{}
			}
			nt.Attributes[na.Name] = convertAttribute(na)
		}
		out.AttributeNestedType = nt
	} else {
		out.AttributeType = typeJSON(a.Type)
	}
	return out
}

func convertIdentity(s *tfprotov6.ResourceIdentitySchema) *identityJSON {
	out := &identityJSON{Version: s.Version}
	for _, a := range s.IdentityAttributes {
		if out.Attributes == nil {
			out.Attributes = map[string]*identityAttributeJSON{}
		}
		out.Attributes[a.Name] = &identityAttributeJSON{
			IdentityType:      typeJSON(a.Type),
			Description:       a.Description,
			RequiredForImport: a.RequiredForImport,
			OptionalForImport: a.OptionalForImport,
		}
	}
	return out
}

// typeJSON renders a type the way cty does in Terraform's JSON ("string",
// ["list","string"], ["object",{...}]); tftypes uses the same encoding.
func typeJSON(t tftypes.Type) json.RawMessage {
	if t == nil {
		return nil
	}
	// MarshalJSON is marked as not for third-party callers, but terraform-plugin-go has no
	// other encoder of a type in the form `terraform providers schema -json` prints.
	b, err := t.MarshalJSON() //nolint:staticcheck // SA1019: no public alternative (above)
	if err != nil {
		panic(fmt.Sprintf("marshal type %s: %v", t, err))
	}
	return b
}

// descriptionKind matches Terraform, which always writes the kind: "plain"
// unless the provider said markdown.
func descriptionKind(k tfprotov6.StringKind) string {
	if k == tfprotov6.StringKindMarkdown {
		return "markdown"
	}
	return "plain"
}
