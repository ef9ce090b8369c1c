import { useUi } from '../store/hooks.ts';
import { dismissAllMessages, dismissMessage } from '../store/uiStore.ts';

export function Messages() {
  const messages = useUi((s) => s.messages);
  if (messages.length === 0) return null;
  return (
    <ul className="messages" aria-live="polite" data-testid="messages">
      {messages.map((m) => (
        <li key={m.id} className={`message message-${m.level}`} data-testid="message">
          <div className="message-body">
            <span className="message-text">{m.text}</span>
            {m.count > 1 && (
              <span className="message-count" data-testid="message-count" title={`Said ${m.count} times`}>
                {' '}
                ×{m.count}
              </span>
            )}
            {m.actions.length > 0 && (
              <span className="message-actions">
                {m.actions.map((a) => (
                  <button
                    key={a.label}
                    type="button"
                    className="message-action"
                    data-testid="message-action"
                    onClick={() => {
                      dismissMessage(m.id);
                      a.run();
                    }}
                  >
                    {a.label}
                  </button>
                ))}
              </span>
            )}
            {m.details && (
              <details className="message-details" data-testid="message-details">
                <summary>Details</summary>
                <pre>{m.details}</pre>
              </details>
            )}
          </div>
          <button type="button" className="message-dismiss" aria-label="Dismiss" onClick={() => dismissMessage(m.id)}>
            ×
          </button>
        </li>
      ))}
      {messages.length > 1 && (
        <li className="messages-all">
          <button type="button" className="small-button" data-testid="dismiss-all" onClick={dismissAllMessages}>
            Dismiss all {messages.length}
          </button>
        </li>
      )}
    </ul>
  );
}
