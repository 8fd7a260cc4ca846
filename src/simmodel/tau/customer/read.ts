// What the customer reads in an agent's message: the questions it asks, whether it states an
// action for confirmation, reports one done, refuses or fails, or hands over to a human. Plain
// patterns over the words, as a customer reads a chat; nothing about how the agent is built.

export interface AgentMessage {
  text: string;
  asksIdentity: boolean;
  /** The account was not found with what the customer gave. */
  notFound: boolean;
  asksEmail: boolean;
  asksOrder: boolean;
  asksReservation: boolean;
  asksItems: boolean;
  asksOptions: boolean;
  asksPayment: boolean;
  asksReason: boolean;
  asksAddress: boolean;
  /** Airline questions: the dates, the route, the cabin, bags, insurance, passengers. */
  asksDate: boolean;
  asksRoute: boolean;
  asksCabin: boolean;
  asksBags: boolean;
  asksInsurance: boolean;
  asksPassengers: boolean;
  /** States an action and asks for a yes. */
  confirm: boolean;
  done: boolean;
  /** Cannot do it, or the attempt failed. */
  refused: boolean;
  transfer: boolean;
  /** An open question ("How can I help?", "Anything else?"). */
  open: boolean;
  goodbye: boolean;
}

export function readAgent(raw: string | null): AgentMessage {
  const text = raw ?? '';
  const t = text.toLowerCase();
  const question = t.includes('?') || /\b(please|provide|could you|can you|let me know)\b/.test(t);
  const confirm =
    /\b(shall i proceed|do you confirm|please confirm|confirm (that|this|the)|would you like me to (proceed|go ahead)|should i (proceed|go ahead)|\(yes\/no\)|yes\/no|is that correct|to confirm)\b/.test(
      t,
    ) && question;
  const refused =
    /\b(could not|couldn't|cannot|can't|unable|not able|not possible|not eligible|unfortunately|not allowed|no longer|only .{0,30} can be|can only|error)\b/.test(
      t,
    ) && !/\bno longer needed\b/.test(t);
  const notFound =
    /\b(could not|couldn't|can't|cannot|unable to) (find|locate)\b[^.]*\b(account|user|profile)\b|\bno (account|user)\b/.test(
      t,
    );
  const done =
    !confirm &&
    (/^done\b/.test(t) ||
      /\b(has|have) been (successfully )?(cancel|return|exchang|modif|updat|chang|book|process|add|remov|issu|sent|upgrad|submit)/.test(
        t,
      ) ||
      /\bsuccessfully\b|\bi('ve| have) (cancel|return|exchang|modif|updat|chang|book|process|add|issu|sent)/.test(
        t,
      )) &&
    !/\b(could not|couldn't|was not|wasn't|cannot)\b/.test(t);
  return {
    text,
    asksIdentity:
      question &&
      /\b(verify|authenticate|identify|identity|locate your account|find your account|email|zip code|user id|your name|first name|last name)\b/.test(
        t,
      ),
    notFound,
    asksEmail: question && /\bemail\b/.test(t),
    asksOrder: question && /\b(which order|order id|order number)\b/.test(t) && !confirm,
    asksReservation:
      question && /\b(reservation id|which reservation|confirmation (number|code))\b/.test(t) && !confirm,
    asksItems: question && /\b(which|what) (items?|products?)\b/.test(t) && !confirm,
    asksOptions:
      question &&
      /\b(which|what) (options?|color|size|variant|version|specifications?)\b|\bavailable ones\b/.test(t) &&
      !confirm,
    asksPayment:
      question &&
      /\b(payment method|which card|pay (for|with)|refund (to|it to)|how would you like to (pay|receive))\b/.test(
        t,
      ) &&
      !confirm,
    asksReason: question && /\breason\b/.test(t) && !confirm,
    asksAddress: question && /\b(new|which|what|the) (shipping )?address\b/.test(t) && !confirm,
    asksDate: question && /\b(date|dates|which day|what day|when would you like)\b/.test(t) && !confirm,
    asksRoute:
      question &&
      /\b(origin|destination|where (are you|would you like to) (fly|travel)|from which|departure (city|airport)|which cities)\b/.test(
        t,
      ) &&
      !confirm,
    asksCabin: question && /\b(cabin|class)\b/.test(t) && !confirm,
    asksBags: question && /\b(bags?|baggages?|luggage)\b/.test(t) && !confirm,
    asksInsurance: question && /\binsurance\b/.test(t) && !confirm,
    asksPassengers: question && /\bpassengers?\b/.test(t) && !confirm,
    confirm,
    done,
    refused: refused && !done,
    transfer: /\b(transferr?(ed|ing)? you|transfer you|human agent)\b/.test(t),
    open: /\b(how can i help|how may i help|what can i do for you|anything else)\b/.test(t),
    goodbye: /\b(have a (great|good|nice) day|goodbye|bye)\b/.test(t),
  };
}
