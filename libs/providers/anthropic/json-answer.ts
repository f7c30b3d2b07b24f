/**
 * The tool through which an Anthropic profile answers a `response_format` request: its call's
 * arguments are the JSON answer and become the message content. The name is reserved (a client
 * tool of that name is refused) so that the response mappers know the call without the request.
 */
export const JSON_ANSWER_TOOL = 'json_answer';
