// What the UI tests do to widgets the way a user would: drop a file, find the message box that
// is showing.
#pragma once

#include <QApplication>
#include <QDropEvent>
#include <QMessageBox>
#include <QMimeData>
#include <QUrl>
#include <QWidget>

namespace deadiff::testing {

// Delivers a drag-enter and a drop of `path` as a file URL at the widget's centre; returns
// whether the drop was taken. File managers send the URL as text too; that is what a text
// field would paste.
inline bool dropFile(QWidget* target, const QString& path) {
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(path)});
    mime.setText(QUrl::fromLocalFile(path).toString());
    const QPoint centre = target->rect().center();
    QDragEnterEvent enter(centre, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(target, &enter);
    if (!enter.isAccepted())
        return false;
    QDropEvent drop(QPointF(centre), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(target, &drop);
    return drop.isAccepted();
}

// The visible message box named `name` among the window's children, or null.
inline QMessageBox* visibleBox(QWidget* window, const char* name) {
    for (QMessageBox* box : window->findChildren<QMessageBox*>(name))
        if (box->isVisible())
            return box;
    return nullptr;
}

} // namespace deadiff::testing
