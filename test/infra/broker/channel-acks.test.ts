import type { Channel, ConsumeMessage } from 'amqplib';
import { describe, expect, it } from 'vitest';
import { ChannelAcks } from '../../../src/infra/broker/amqp/channel-acks.js';

const message = (deliveryTag: number) => ({ fields: { deliveryTag } }) as ConsumeMessage;
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('ChannelAcks', () => {
  it('acks with `multiple` only up to the first delivery still in flight, the others one by one, once per turn', async () => {
    const sent: string[] = [];
    const channel = {
      ack: (m: ConsumeMessage, all = false) => sent.push(`${m.fields.deliveryTag}${all ? '+' : ''}`),
    } as unknown as Channel;
    const acks = new ChannelAcks(channel);
    const messages = [1, 2, 3, 4, 5, 6].map(message);
    for (const m of messages) acks.delivered(m);
    for (const tag of [2, 1, 4, 6]) acks.ack(messages[tag - 1] as ConsumeMessage);
    expect(sent).toEqual([]); // nothing before the end of the turn
    await nextTurn();
    // 3 and 5 are in flight: 1-2 by one multiple ack, 4 and 6 alone.
    expect(sent).toEqual(['2+', '4', '6']);

    sent.length = 0;
    acks.forget(messages[2] as ConsumeMessage); // 3 was nacked
    acks.ack(messages[4] as ConsumeMessage);
    await nextTurn();
    expect(sent).toEqual(['5+']);
  });
});
