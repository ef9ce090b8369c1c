/** Messages (store/uiStore.ts): the same words said again count up on one banner; dismiss all. */
import { afterEach, describe, expect, it } from 'vitest';
import { dismissAllMessages, say, uiStore } from '../../src/store/uiStore.ts';

afterEach(() => uiStore.setState({ messages: [] }));

const shown = () => uiStore.getState().messages.map((m) => `${m.level}:${m.text}${m.count > 1 ? ` x${m.count}` : ''}`);

describe('messages', () => {
  it('the same words again count up on one banner, which moves to the end', () => {
    say('error', 'a.png is not an image.');
    say('info', 'Opened the pack.');
    say('error', 'a.png is not an image.');
    say('error', 'a.png is not an image.');
    expect(shown()).toEqual(['info:Opened the pack.', 'error:a.png is not an image. x3']);
  });

  it('keeps apart what differs: level, details, or a message that offers actions', () => {
    say('error', 'Stopped.');
    say('warning', 'Stopped.');
    say('error', 'Stopped.', { details: 'raw text' });
    say('info', 'Keep the first?', { actions: [{ label: 'Keep', run: () => undefined }] });
    say('info', 'Keep the first?', { actions: [{ label: 'Keep', run: () => undefined }] });
    expect(shown()).toEqual(['error:Stopped.', 'warning:Stopped.', 'error:Stopped.', 'info:Keep the first?', 'info:Keep the first?']);
  });

  it('keeps the latest six, and dismiss all empties the list', () => {
    for (let i = 0; i < 9; i++) say('info', `message ${i}`);
    expect(shown()).toEqual([3, 4, 5, 6, 7, 8].map((i) => `info:message ${i}`));
    dismissAllMessages();
    expect(uiStore.getState().messages).toEqual([]);
  });
});
