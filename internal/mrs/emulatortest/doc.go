// Package emulatortest holds the integration test of the mrs client against the project's MRS
// emulator (internal/emulator/mrs), written independently from the same spec. It lives apart
// from the mrs unit tests so that those never depend on the emulator.
package emulatortest
