package emulatortest

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/batchops/terraform-provider-batchops/internal/emulator"
	"github.com/batchops/terraform-provider-batchops/internal/emulator/hpcpack"
	"github.com/batchops/terraform-provider-batchops/internal/hpcsoa"
)

// With batch_endpoint broker_node, against an emulator whose sessions report the broker node
// 127.0.0.2 (served on the head node's port, under the same CA): the batch operations reach
// the broker, the session operations the head node, both URI forms.
func TestBatchesOnTheEmulatorsBrokerNode(t *testing.T) {
	for _, cluster := range []string{"", "HEADNODE"} {
		t.Run("cluster="+cluster, func(t *testing.T) {
			cfg := emulator.Config{Clock: emulator.NewFrozenClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)),
				HPCPack: hpcpack.Config{ClusterName: cluster, BrokerNode: "127.0.0.2"}}
			emu, c, ctx := start(t, cfg, func(c *hpcsoa.Config) { c.BatchEndpoint = hpcsoa.BatchEndpointBrokerNode })
			info, err := c.CreateSession(ctx, echoStart())
			if err != nil {
				t.Fatal(err)
			}
			if info.BrokerNode != "127.0.0.2" {
				t.Fatalf("broker node %q", info.BrokerNode)
			}
			if err := c.SendBatch(ctx, info.ID, "b1", false, true, echoRequests(3)); err != nil {
				t.Fatal(err)
			}
			emu.Clock().Advance(time.Hour)
			if st, err := c.BatchStatus(ctx, info.ID, "b1"); err != nil || st != hpcsoa.StatusFinished {
				t.Fatalf("status %v %v", st, err)
			}
			n := 0
			if _, err := c.GetResponses(ctx, info.ID, "b1", hpcsoa.ResponseOptions{Reset: true}, func(hpcsoa.Response) error { n++; return nil }); err != nil || n != 3 {
				t.Fatalf("responses %d %v", n, err)
			}
			if err := c.Purge(ctx, info.ID, "b1"); err != nil {
				t.Fatal(err)
			}
			if err := c.CloseSession(ctx, info.ID); err != nil {
				t.Fatal(err)
			}
			head, _ := url.Parse(emu.HPCPackURL())
			broker, _ := url.Parse(emu.HPCPackBrokerURL())
			var got []string
			for _, r := range emu.RequestsFor(emulator.ServiceHPCPack) {
				node := map[string]string{head.Host: "head", broker.Host: "broker"}[r.Host]
				i := strings.LastIndex(r.Path, "/")
				got = append(got, node+" "+r.Method+" "+r.Path[i+1:])
			}
			want := "head POST Create, broker POST b1, broker GET Status, broker POST Response, broker POST Purge, head POST Close"
			if strings.Join(got, ", ") != want {
				t.Errorf("calls:\n got %s\nwant %s", strings.Join(got, ", "), want)
			}
		})
	}
}
