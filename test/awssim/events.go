package awssim

import "time"

// InstanceEventKind says what happened to an instance.
type InstanceEventKind string

// The kinds of instance events, one per EC2 state an instance can enter,
// and one for its removal from the model.
const (
	// InstanceLaunched: the instance exists and is pending.
	InstanceLaunched InstanceEventKind = "Launched"
	// InstanceRunning: the instance is running; a group member is InService.
	InstanceRunning InstanceEventKind = "Running"
	// InstanceShuttingDown: the instance is being terminated.
	InstanceShuttingDown InstanceEventKind = "ShuttingDown"
	// InstanceTerminated: the instance is terminated but still describable.
	InstanceTerminated InstanceEventKind = "Terminated"
	// InstanceStopping: the instance is stopping.
	InstanceStopping InstanceEventKind = "Stopping"
	// InstanceStopped: the instance is stopped.
	InstanceStopped InstanceEventKind = "Stopped"
	// InstanceRemoved: the instance is gone from the model, as EC2 forgets
	// terminated instances after a while (see Lifecycle.TerminatedRetention).
	InstanceRemoved InstanceEventKind = "Removed"
)

// DefaultEventBuffer is the channel capacity Subscribe uses when asked for none.
const DefaultEventBuffer = 1024

// InstanceEvent reports a change of an instance's state.
type InstanceEvent struct {
	Kind InstanceEventKind
	// Instance is a copy of the instance as the change left it.
	Instance Instance
	// Time is when the change happened, by the Cloud's clock.
	Time time.Time
	// Missed counts the events this subscriber lost just before this one
	// because its buffer was full. When it is not zero, the subscriber's
	// picture of the instances is stale and it should re-list them with
	// Cloud.Instances.
	Missed int
}

// subscriber is one Subscribe channel and the events it has missed since
// its last delivery.
type subscriber struct {
	ch     chan InstanceEvent
	missed int
}

// eventKindOf maps an EC2 state onto the event announcing it.
func eventKindOf(state string) InstanceEventKind {
	switch state {
	case StatePending:
		return InstanceLaunched
	case StateShuttingDown:
		return InstanceShuttingDown
	case StateTerminated:
		return InstanceTerminated
	case StateStopping:
		return InstanceStopping
	case StateStopped:
		return InstanceStopped
	}
	return InstanceRunning
}

// Subscribe returns a channel of instance events and a function that ends
// the subscription and closes the channel (calling it twice is harmless).
// Every change of an instance's state made after Subscribe returns is
// delivered, in the order the changes happened: launches and state changes
// made by the reconciler and by the API, and changes made through
// AddInstance, UpdateInstance and RemoveInstance.
//
// The channel holds buffer events (DefaultEventBuffer when buffer is not
// positive). The Cloud never waits for a subscriber: when the buffer is
// full, the event is dropped and counted, and the next event delivered
// carries the count in Missed, telling the subscriber to re-list with
// Instances.
func (c *Cloud) Subscribe(buffer int) (<-chan InstanceEvent, func()) {
	if buffer <= 0 {
		buffer = DefaultEventBuffer
	}
	sub := &subscriber{ch: make(chan InstanceEvent, buffer)}
	c.mu.Lock()
	c.subs[sub] = struct{}{}
	c.mu.Unlock()
	cancel := func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if _, ok := c.subs[sub]; ok {
			delete(c.subs, sub)
			close(sub.ch)
		}
	}
	return sub.ch, cancel
}

// publishLocked offers an event to every subscriber without blocking. It
// runs under the write lock, so that each subscriber sees events in the
// order the model changed.
func (c *Cloud) publishLocked(kind InstanceEventKind, inst Instance, at time.Time) {
	for sub := range c.subs {
		ev := InstanceEvent{Kind: kind, Instance: cloneInstance(inst), Time: at, Missed: sub.missed}
		select {
		case sub.ch <- ev:
			sub.missed = 0
		default:
			sub.missed++
		}
	}
}
