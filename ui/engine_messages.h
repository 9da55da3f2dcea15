// Engine errors in the studio's words. The core speaks English and names JSON keys ("'prompt'
// is required", "ref.png: not an image in a supported format ..."); this is the one place in the
// studio that turns such a message into what the artist sees: a request field becomes its label
// on the form, the problems the studio knows become translated sentences, and anything else
// passes through unchanged (it still names the file and the cause).
#pragma once

#include "core/pipeline/request.h"

#include <QString>

namespace deadiff::ui {

// The form's label for a request field's JSON key ("image_weight" -> "Image weight",
// "styles[1].path" -> "Style B"); an unknown key comes back as it is.
QString fieldLabel(const QString& key);

// A core error message (RequestError, ImageError, model loading) as the studio shows it. The
// text of a RequestError that crossed a thread as a string ("'<key>' <problem>") is read back
// into its field and problem.
QString userMessage(const QString& engineMessage);
// A RequestError caught in the studio: its field() and problem() directly.
QString userMessage(const RequestError& error);

} // namespace deadiff::ui
