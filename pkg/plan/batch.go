package plan

import (
	"cmp"
	"slices"
)

// zoneQueue holds the nodes of one zone still to be put in a batch.
type zoneQueue struct {
	zone  string
	nodes []*Node
	// share is the most nodes of this zone one batch may hold.
	share int
	taken int
}

// cutBatches orders the nodes to rotate of one group so that zones interleave (round-robin
// over zones sorted by name, nodes of a zone by name) and cuts them into batches of size
// nodes. No zone contributes more than its share to a batch, ceil(size * zone nodes / all
// nodes) and at least 1; a node that would exceed it waits for a later batch. nodes must be
// sorted by name.
func cutBatches(nodes []*Node, size int) [][]*Node {
	if len(nodes) == 0 {
		return nil
	}
	size = max(size, 1)
	queues := zoneQueues(nodes, size)
	batches := make([][]*Node, 0, (len(nodes)+size-1)/size)
	next := 0 // the zone the round-robin resumes at
	for left := len(nodes); left > 0; {
		batch := make([]*Node, 0, min(size, left))
		for i := range queues {
			queues[i].taken = 0
		}
		for len(batch) < size {
			q := nextEligible(queues, next)
			if q < 0 {
				break
			}
			batch = append(batch, queues[q].nodes[0])
			queues[q].nodes = queues[q].nodes[1:]
			queues[q].taken++
			next = (q + 1) % len(queues)
		}
		left -= len(batch)
		batches = append(batches, batch)
	}
	return batches
}

// zoneQueues splits nodes by zone, zones sorted by name, and computes each zone's share of a
// batch of size nodes.
func zoneQueues(nodes []*Node, size int) []zoneQueue {
	byZone := make(map[string]int)
	var queues []zoneQueue
	for _, n := range nodes {
		i, ok := byZone[n.Zone]
		if !ok {
			i = len(queues)
			byZone[n.Zone] = i
			queues = append(queues, zoneQueue{zone: n.Zone})
		}
		queues[i].nodes = append(queues[i].nodes, n)
	}
	slices.SortFunc(queues, func(a, b zoneQueue) int { return cmp.Compare(a.zone, b.zone) })
	total := len(nodes)
	for i := range queues {
		share := (size*len(queues[i].nodes) + total - 1) / total
		queues[i].share = max(share, 1)
	}
	return queues
}

// nextEligible returns the first queue from start on, round-robin, that has nodes left and
// has not reached its share of the current batch, or -1 when there is none.
func nextEligible(queues []zoneQueue, start int) int {
	for k := range queues {
		i := (start + k) % len(queues)
		if len(queues[i].nodes) > 0 && queues[i].taken < queues[i].share {
			return i
		}
	}
	return -1
}

// batchZones lists the distinct zones of a batch's nodes, sorted.
func batchZones(nodes []*Node) []string {
	zones := make([]string, 0, len(nodes))
	for _, n := range nodes {
		zones = append(zones, n.Zone)
	}
	slices.Sort(zones)
	return slices.Compact(zones)
}
