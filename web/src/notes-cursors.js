// Remote cursors and selections for the notes editors, labelled with name and role.
// Like y-codemirror.next's yRemoteSelections, but coloured by CSS classes (one per role, in
// notes.css) instead of inline style attributes, which our CSP (style-src 'self') blocks.
import * as Y from "yjs";
import { Decoration, EditorView, ViewPlugin, WidgetType } from "@codemirror/view";
import { Annotation, RangeSet } from "@codemirror/state";

const KNOWN_ROLES = new Set(["interviewer", "candidate", "observer", "reviewer"]);
const remoteChange = Annotation.define();

/** @param {any} user */
function roleClass(user) {
  const role = user && typeof user.role === "string" && KNOWN_ROLES.has(user.role) ? user.role : "other";
  return `mr-role-${role}`;
}

class CaretWidget extends WidgetType {
  /** @param {string} name @param {string} cls */
  constructor(name, cls) {
    super();
    this.name = name;
    this.cls = cls;
  }

  toDOM() {
    const caret = document.createElement("span");
    caret.className = `mr-caret ${this.cls}`;
    const label = document.createElement("span");
    label.className = "mr-caret-label";
    label.textContent = this.name;
    caret.append("\u2060", label, "\u2060");
    return caret;
  }

  /** @param {CaretWidget} other */
  eq(other) {
    return other.name === this.name && other.cls === this.cls;
  }

  ignoreEvent() {
    return true;
  }
}

/**
 * @param {Y.Text} ytext
 * @param {import("y-protocols/awareness").Awareness} awareness
 */
export function remoteCursors(ytext, awareness) {
  const plugin = ViewPlugin.fromClass(
    class {
      /** @param {EditorView} view */
      constructor(view) {
        /** @type {import("@codemirror/view").DecorationSet} */
        this.decorations = RangeSet.of([]);
        /** @param {{added: number[], updated: number[], removed: number[]}} change */
        this.listener = ({ added, updated, removed }) => {
          const ids = added.concat(updated, removed);
          if (ids.some((id) => id !== awareness.clientID)) {
            view.dispatch({ annotations: [remoteChange.of(true)] });
          }
        };
        awareness.on("change", this.listener);
      }

      destroy() {
        awareness.off("change", this.listener);
      }

      /** @param {import("@codemirror/view").ViewUpdate} update */
      update(update) {
        this.publishOwnCursor(update);
        this.decorations = this.remoteDecorations(update.view);
      }

      /** @param {import("@codemirror/view").ViewUpdate} update */
      publishOwnCursor(update) {
        const local = awareness.getLocalState();
        if (local == null) return;
        const focused = update.view.hasFocus && update.view.dom.ownerDocument.hasFocus();
        if (!focused) return;
        const sel = update.state.selection.main;
        const anchor = Y.createRelativePositionFromTypeIndex(ytext, sel.anchor);
        const head = Y.createRelativePositionFromTypeIndex(ytext, sel.head);
        const current = local.cursor;
        if (
          current == null ||
          !Y.compareRelativePositions(Y.createRelativePositionFromJSON(current.anchor), anchor) ||
          !Y.compareRelativePositions(Y.createRelativePositionFromJSON(current.head), head)
        ) {
          awareness.setLocalStateField("cursor", { anchor, head });
        }
      }

      /** @param {EditorView} view */
      remoteDecorations(view) {
        const ydoc = /** @type {Y.Doc} */ (ytext.doc);
        const length = view.state.doc.length;
        /** @type {import("@codemirror/state").Range<Decoration>[]} */
        const ranges = [];
        awareness.getStates().forEach((state, clientId) => {
          if (clientId === awareness.clientID || !state.cursor?.anchor || !state.cursor?.head) return;
          const anchor = Y.createAbsolutePositionFromRelativePosition(state.cursor.anchor, ydoc);
          const head = Y.createAbsolutePositionFromRelativePosition(state.cursor.head, ydoc);
          if (!anchor || !head || anchor.type !== ytext || head.type !== ytext) return;
          const cls = roleClass(state.user);
          const from = Math.min(anchor.index, head.index, length);
          const to = Math.min(Math.max(anchor.index, head.index), length);
          if (from < to) ranges.push(Decoration.mark({ class: `mr-selection ${cls}` }).range(from, to));
          const name = String(state.user?.name ?? "Someone").slice(0, 40);
          ranges.push(
            Decoration.widget({ widget: new CaretWidget(name, cls), side: head.index > anchor.index ? -1 : 1 })
              .range(Math.min(head.index, length)),
          );
        });
        return Decoration.set(ranges, true);
      }
    },
    { decorations: (v) => v.decorations },
  );
  return [plugin];
}
