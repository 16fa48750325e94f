"""Is a trigger stated as having happened? Negation, hedging, the future and plans are not."""

from __future__ import annotations

from spacy.tokens import Token

MODALS = frozenset(
    {"could", "may", "might", "would", "will", "can", "should", "must", "shall", "'ll", "wo", "ca"}
)
# Verbs whose complement has not happened: "could face life", "plans to disband".
UNREALISED = frozenset(
    {
        "face",
        "claim",
        "allege",
        "rumour",
        "risk",
        "plan",
        "expect",
        "intend",
        "threaten",
        "seek",
        "want",
        "aim",
        "hope",
        "try",
        "propose",
        "consider",
        "urge",
        "call",
        "demand",
        "warn",
        "vow",
        "fear",
        "prepare",
        "ask",
        "request",
        "apply",
        "deny",
        "avoid",
        "escape",
        "evade",
        "refuse",
        "resist",
    }
)
# Verbs whose complement is a decision taken, which counts: "members voted to disband".
DECIDED = frozenset({"vote", "decide", "agree", "resolve", "choose", "announce", "begin", "start"})
CONDITIONAL = frozenset({"if", "unless", "whether", "before"})
NEGATIONS = frozenset({"not", "n't", "never", "no"})
_CLIMB = frozenset({"xcomp", "ccomp", "dobj", "pobj", "prep", "advcl", "nsubjpass", "auxpass"})


NOBODY = frozenset({"none", "nobody", "neither", "noone"})


def unrealised_reason(trigger: Token) -> str | None:
    """Why the trigger is not a stated event (negated, modal, planned…), or None if it is."""
    reason = _nobody(trigger) or _generic_or_ongoing(trigger) or _planned(trigger)
    if reason:
        return reason
    token: Token | None = trigger
    for _ in range(4):  # the trigger and the few heads that govern it
        if token is None:
            break
        reason = _own_reason(token, is_trigger=token.i == trigger.i)
        if reason:
            return reason
        if token.dep_ not in _CLIMB or token.head.i == token.i:
            break
        if token.head.lemma_ in DECIDED:
            break
        token = token.head
    return None


def _own_reason(token: Token, is_trigger: bool) -> str | None:
    for child in token.children:
        if child.dep_ == "neg" or (child.lower_ in NEGATIONS and child.dep_ in {"advmod", "det"}):
            return f"negated ({child.text} {token.text})"
        if child.dep_ in {"aux", "auxpass"} and child.lower_ in MODALS:
            return f"modal ({child.text} {token.text})"
        if (
            child.dep_ == "mark"
            and child.lower_ in CONDITIONAL
            and (is_trigger or child.lower_ in {"if", "unless"})
        ):
            return f"conditional ({child.text} … {token.text})"
    if not is_trigger and token.lemma_ in UNREALISED:
        return f"not realised ({token.text} …)"
    if token.tag_ == "VB" and token.dep_ in {"xcomp", "ccomp"} and token.head.lemma_ not in DECIDED:
        return None if is_trigger is False else _future_infinitive(token)
    return None


def _future_infinitive(token: Token) -> str | None:
    # "police are expected to arrest", "set to close": an infinitive under a non-decision verb.
    head = token.head
    if head.lemma_ in DECIDED:
        return None
    if head.lemma_ in UNREALISED or head.lemma_ in {"be", "set", "due", "go"}:
        return f"not realised ({head.text} to {token.text})"
    return None


UNREALISED_NOUNS = frozenset(
    {
        "plan",
        "proposal",
        "intention",
        "rumour",
        "rumor",
        "threat",
        "call",
        "bid",
        "attempt",
        "consent",
        "warning",
        "risk",
    }
)


def _planned(trigger: Token) -> str | None:
    # "no plans to disband", "consent to prosecute", "rumours that it would close"
    if trigger.dep_ in {"acl", "relcl", "xcomp"} and trigger.head.lemma_ in UNREALISED_NOUNS:
        return f"not realised ({trigger.head.text} to {trigger.text})"
    return None


def _nobody(trigger: Token) -> str | None:
    # "No one was arrested", "None of the eight has been arrested", "Neither has been charged".
    verb = trigger.head if trigger.dep_ == "conj" else trigger
    for child in verb.children:
        if child.dep_ not in {"nsubj", "nsubjpass"}:
            continue
        if child.lower_ in NOBODY or any(
            d.lower_ == "no" and d.dep_ == "det" for d in child.children
        ):
            return f"nobody ({child.text} … {trigger.text})"
    return None


def _generic_or_ongoing(trigger: Token) -> str | None:
    # "People are prosecuted for their acts" (generic), "is being detained" (a state, not an act).
    auxes = [c for c in trigger.children if c.dep_ in {"aux", "auxpass"}]
    if any(a.lower_ == "being" for a in auxes) and trigger.lemma_ in {"detain", "hold"}:
        return f"ongoing (being {trigger.text})"
    if any(a.dep_ == "auxpass" and a.tag_ in {"VBP", "VBZ"} for a in auxes) and not any(
        a.dep_ == "aux" for a in auxes
    ):
        return f"generic present ({trigger.text})"
    return None
