// Package azurebatch emulates the Azure Batch data plane (task operations
// and a minimal job API) at api-version 2024-07-01.20.0, following
// shared/specs/azure-batch-api.md: Shared Key and bearer authentication,
// api-version rules, BatchError bodies, OData-style JSON with unquoted ETags,
// server-filled defaults, duration normalisation and a deterministic task
// state machine driven by an injected clock.
//
// Service implements http.Handler and the emulator.Service interface (Name,
// WriteFault). README.md in this directory lists the routes, the rules and
// every choice made where the spec only infers ([I]) the real behaviour.
package azurebatch
