package io.pushline.broker.memory;

import io.pushline.broker.Broker;
import io.pushline.broker.BrokerContract;
import io.pushline.broker.DeliveryListener;

class MemoryBrokerTest extends BrokerContract {

    private final MemoryHub hub = new MemoryHub();

    @Override
    protected Broker createNode(String nodeId, DeliveryListener listener) {
        return new MemoryBroker(hub, listener);
    }

    @Override
    protected Broker createPublisher(String name) {
        return new MemoryBroker(hub, DeliveryListener.NONE);
    }
}
