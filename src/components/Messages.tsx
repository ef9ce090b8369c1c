import { useUi } from '../store/hooks.ts';
import { dismissMessage } from '../store/uiStore.ts';

export function Messages() {
  const messages = useUi((s) => s.messages);
  if (messages.length === 0) return null;
  return (
    <ul className="messages" aria-live="polite" data-testid="messages">
      {messages.map((m) => (
        <li key={m.id} className={`message message-${m.level}`}>
          <span>{m.text}</span>
          <button type="button" aria-label="Dismiss" onClick={() => dismissMessage(m.id)}>
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}
